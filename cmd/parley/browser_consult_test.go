package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley"
)

// signInContext signs name in on base in the browser context ctx.
func signInContext(t *testing.T, ctx context.Context, base, name, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#inbox`)),
		chromedp.Navigate(base+"/talks"),
		chromedp.WaitVisible(chromedp.CSS(`ul.talks`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", name, err)
	}
}

// waitLive waits until the page's live stream is open and marks the page,
// so that a later check can tell an update arrived without a reload.
func waitLive(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector('[sse-connect]')['htmx-internal-data'] || {}).sseEventSource?.readyState === 1`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("live stream did not open: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js+` && window.notReloaded === true`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({reloaded: window.notReloaded !== true,
			stream: ((document.querySelector('[sse-connect]')||{})['htmx-internal-data'] || {}).sseEventSource?.readyState,
			text: document.body.innerText.slice(0, 600)})`))
		t.Fatalf("%s did not happen live: %v\npage: %s", what, err, state)
	}
}

// afterReload waits until the page that was loading when it was called has
// replaced the one marked with window.beforeSubmit, and js holds on it. Its
// checks fail while the old page goes away; those are retried.
func afterReload(ctx context.Context, js string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.beforeSubmit !== true && document.readyState === 'complete' && (`+js+`)`))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("page did not reload to show %s (last error %v)", js, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserIrritantRaisedAndAcknowledgedLive has two delegations in two
// browser contexts: the US negotiator raises an irritant, the Russian head
// of delegation sees it arrive on the board without reloading and
// acknowledges it, and the US page shows the move without reloading.
func TestBrowserIrritantRaisedAndAcknowledgedLive(t *testing.T) {
	us := browser(t)
	if err := chromedp.Do(us); err != nil {
		t.Fatal(err)
	}
	ru, cancel := chromedp.NewContext(us, chromedp.WithNewBrowserContext())
	defer cancel()
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	signInContext(t, us, s.url, "us-negotiator", pw["us-negotiator"])
	signInContext(t, ru, s.url, "ru-head", pw["ru-head"])

	board := s.url + "/talks/1/irritants"
	if err := chromedp.Do(ru, chromedp.Navigate(board), chromedp.WaitVisible(chromedp.CSS(`#board`))); err != nil {
		t.Fatal(err)
	}
	waitLive(t, ru)

	const title = "Visas for diplomatic staff"
	err := chromedp.Do(us,
		chromedp.Navigate(board),
		chromedp.WaitVisible(chromedp.CSS(`#raise`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), title),
		chromedp.SendKeys(chromedp.CSS(`#category`), "visas"),
		chromedp.Submit(chromedp.CSS(`#title`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-status="raised"]`)),
	)
	if err != nil {
		t.Fatalf("US raises: %v\n%s", err, s.logs.String())
	}
	waitLive(t, us)

	waitFor(t, ru, "the new irritant on the Russian board", fmt.Sprintf(`document.getElementById('col-raised').innerText.includes(%q)`, title))
	err = chromedp.Do(ru,
		chromedp.Click(fmt.Sprintf(`//a[contains(., %q)]`, title)),
		chromedp.WaitVisible(chromedp.CSS(`#acknowledge`)),
		chromedp.Click(chromedp.CSS(`#acknowledge`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-status="acknowledged"]`)),
	)
	if err != nil {
		t.Fatalf("Russia acknowledges: %v", err)
	}
	waitFor(t, us, "the acknowledgement on the US page", `document.getElementById('status').dataset.status === 'acknowledged'`)
	waitFor(t, us, "the move in the US timeline", `document.getElementById('timeline').innerText.includes('from raised to acknowledged')`)
	// Back on the board, the irritant sits in its new column.
	if err := chromedp.Do(ru, chromedp.Navigate(board), chromedp.WaitVisible(chromedp.CSS(`#board`))); err != nil {
		t.Fatal(err)
	}
	col, err := chromedp.Run(ru, chromedp.Text(chromedp.CSS(`#col-acknowledged`)))
	if err != nil || !strings.Contains(col, title) {
		t.Errorf("acknowledged column %q, %v; want the irritant", col, err)
	}
}

// TestBrowserStatementSignedByBothHeads has the US and Russian heads of
// delegation open the demo's joint statement in two browser contexts; each
// signs, each sees the other's signature arrive live, the statement shows
// as adopted, and the exported record verifies with both sign-offs in it.
func TestBrowserStatementSignedByBothHeads(t *testing.T) {
	us := browser(t)
	if err := chromedp.Do(us); err != nil {
		t.Fatal(err)
	}
	ru, cancel := chromedp.NewContext(us, chromedp.WithNewBrowserContext())
	defer cancel()
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	signInContext(t, us, s.url, "us-head", pw["us-head"])
	signInContext(t, ru, s.url, "ru-head", pw["ru-head"])
	page := s.url + "/joint-statements/1"
	for _, ctx := range []context.Context{us, ru} {
		if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#sign`))); err != nil {
			t.Fatalf("open the statement: %v\n%s", err, s.logs.String())
		}
		waitLive(t, ctx)
	}
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#sign`)), chromedp.WaitVisible(chromedp.CSS(`#sign-yes`)), chromedp.Click(chromedp.CSS(`#sign-yes`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#sign`)), chromedp.WaitVisible(chromedp.CSS(`#signed-note`))); err != nil {
		t.Fatalf("US signs: %v", err)
	}
	waitLive(t, us)
	waitFor(t, ru, "the US signature on the Russian page", `document.getElementById('statement-status').innerText.includes('signed by United States')`)
	if err := chromedp.Do(ru, chromedp.Click(chromedp.CSS(`#sign`)), chromedp.WaitVisible(chromedp.CSS(`#sign-yes`)), chromedp.Click(chromedp.CSS(`#sign-yes`)),
		chromedp.WaitVisible(chromedp.CSS(`#statement-status[data-adopted="true"]`))); err != nil {
		t.Fatalf("Russia signs: %v", err)
	}
	// The panel may be swapped again as later events arrive, so the check
	// reads the text in the page rather than holding a node.
	waitFor(t, us, "the adoption on the US page", `document.getElementById('statement-status').dataset.adopted === 'true' &&
		document.getElementById('statement-status').innerText.includes('Adopted') &&
		document.getElementById('statement-status').innerText.includes('Russian Federation')`)
	var rec parley.Record
	if code := call(t, "GET", s.url+"/api/v1/talks/1/record", login(t, s.url, "ru-head", pw["ru-head"]), nil, &rec); code != 200 {
		t.Fatalf("record: %d", code)
	}
	if err := parley.Verify(&rec); err != nil {
		t.Fatalf("the exported record does not verify: %v", err)
	}
	signoffs := 0
	for _, e := range rec.Events {
		if e.Type == parley.EventSignOff {
			signoffs++
		}
	}
	if signoffs != 2 {
		t.Errorf("%d sign-offs in the record, want 2", signoffs)
	}
}

// TestBrowserRoundAndResolutionEndToEnd runs what the "done when"
// asks of two delegations in two browsers on the demo: the US head plans a
// round with an irritant on its agenda, starts it, keeps minutes and
// concludes it while the Russian head watches it live; then both confirm an
// irritant resolved, each seeing the other's confirmation arrive; and the
// exported record verifies.
func TestBrowserRoundAndResolutionEndToEnd(t *testing.T) {
	us := browser(t)
	if err := chromedp.Do(us); err != nil {
		t.Fatal(err)
	}
	ru, cancel := chromedp.NewContext(us, chromedp.WithNewBrowserContext())
	defer cancel()
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	signInContext(t, us, s.url, "us-head", pw["us-head"])
	signInContext(t, ru, s.url, "ru-head", pw["ru-head"])

	err := chromedp.Do(us,
		chromedp.Navigate(s.url+"/talks/1/rounds"),
		chromedp.WaitVisible(chromedp.CSS(`#rtitle`)),
		chromedp.SendKeys(chromedp.CSS(`#rtitle`), "Geneva"),
		chromedp.SendKeys(chromedp.CSS(`#venue`), "Palais des Nations"),
		chromedp.SetValue(chromedp.CSS(`#starts_at`), "2025-05-06T09:00"),
		chromedp.Submit(chromedp.CSS(`#rtitle`)),
		chromedp.WaitVisible(chromedp.CSS(`#round-status[data-status="planned"]`)),
		chromedp.SetValue(chromedp.CSS(`#irritant_id`), "4"), // Visa issuance for diplomats
		chromedp.Submit(chromedp.CSS(`#irritant_id`)),
		chromedp.WaitVisible(chromedp.CSS(`.agenda a[href="/irritants/4"]`)),
		chromedp.Click(chromedp.CSS(`#round-move`)),
		chromedp.WaitVisible(chromedp.CSS(`#round-status[data-status="in_progress"]`)),
	)
	if err != nil {
		t.Fatalf("US plans and starts the round: %v\n%s", err, s.logs.String())
	}
	loc, err := chromedp.Run(us, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ru, chromedp.Navigate(strings.SplitN(loc, "?", 2)[0]), chromedp.WaitVisible(chromedp.CSS(`#round-status`))); err != nil {
		t.Fatal(err)
	}
	waitLive(t, ru)
	const minutes = "Visa backlog to be cleared by both consulates."
	if _, err := chromedp.Run(us, chromedp.Evaluate[bool](`window.beforeSubmit = true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(us,
		chromedp.SetValue(chromedp.CSS(`.agenda textarea[name=minutes]`), minutes),
		chromedp.SetValue(chromedp.CSS(`.agenda select[name=outcome]`), "agreed"),
		chromedp.Submit(chromedp.CSS(`.agenda textarea[name=minutes]`)),
	)
	if err == nil {
		err = afterReload(us, fmt.Sprintf(`document.querySelector('.agenda').innerText.includes(%q)`, minutes))
	}
	if err != nil {
		t.Fatalf("US keeps minutes: %v", err)
	}
	waitFor(t, ru, "the minutes on the Russian page", fmt.Sprintf(`document.getElementById('live').innerText.includes(%q)`, minutes))
	// One delegation only asks to conclude; the round concludes when the
	// other asks too.
	// Wait for the page the request leads to, not the old one still showing.
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#round-move`)), chromedp.WaitVisible(chromedp.CSS(`#conclude-yes`)),
		chromedp.Evaluate[chromedp.Void](`window.beforeSubmit = true`), chromedp.Click(chromedp.CSS(`#conclude-yes`))); err != nil {
		t.Fatalf("US asks to conclude: %v", err)
	}
	if err := afterReload(us, `(document.getElementById('round-status') || {dataset: {}}).dataset.status === 'in_progress'`); err != nil {
		t.Fatalf("US asks to conclude: %v", err)
	}
	waitLive(t, us)
	if err := chromedp.Do(ru, chromedp.Navigate(strings.SplitN(loc, "?", 2)[0]), chromedp.Click(chromedp.CSS(`#round-move`)),
		chromedp.WaitVisible(chromedp.CSS(`#conclude-yes`)), chromedp.Click(chromedp.CSS(`#conclude-yes`)),
		chromedp.WaitVisible(chromedp.CSS(`#round-status[data-status="concluded"]`))); err != nil {
		t.Fatalf("RU concludes: %v", err)
	}
	waitFor(t, us, "the conclusion on the US page", `document.getElementById('round-status').dataset.status === 'concluded'`)

	// Both sides confirm irritant 1 resolved.
	for _, ctx := range []context.Context{us, ru} {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/irritants/1"), chromedp.WaitVisible(chromedp.CSS(`#confirm`))); err != nil {
			t.Fatalf("open irritant 1: %v", err)
		}
		waitLive(t, ctx)
	}
	// The old page has #resolution too; only the reloaded one lacks #confirm.
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#confirm`)), chromedp.WaitVisible(chromedp.CSS(`#confirm-yes`)), chromedp.Click(chromedp.CSS(`#confirm-yes`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#confirm`)), chromedp.WaitVisible(chromedp.CSS(`#resolution`))); err != nil {
		t.Fatalf("US confirms: %v", err)
	}
	waitLive(t, us)
	waitFor(t, ru, "the US confirmation on the Russian page", `(document.getElementById('resolution')||{innerText:''}).innerText.includes('confirmed by United States')`)
	if err := chromedp.Do(ru, chromedp.Click(chromedp.CSS(`#confirm`)), chromedp.WaitVisible(chromedp.CSS(`#confirm-yes`)), chromedp.Click(chromedp.CSS(`#confirm-yes`)),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-status="resolved"]`))); err != nil {
		t.Fatalf("Russia confirms: %v", err)
	}
	waitFor(t, us, "the resolution on the US page", `document.getElementById('status').dataset.status === 'resolved'`)

	var rec parley.Record
	if code := call(t, "GET", s.url+"/api/v1/talks/1/record", login(t, s.url, "us-head", pw["us-head"]), nil, &rec); code != 200 {
		t.Fatalf("record: %d", code)
	}
	if err := parley.Verify(&rec); err != nil {
		t.Fatalf("the exported record does not verify: %v", err)
	}
	var concluded, resolved bool
	for _, e := range rec.Events {
		concluded = concluded || e.Type == "round.concluded" && strings.Contains(string(e.Payload), minutes)
		var moved struct{ To string }
		json.Unmarshal(e.Payload, &moved)
		resolved = resolved || e.Type == "irritant.moved" && moved.To == "resolved" && e.PartyID == rec.Events[e.Seq-2].PartyID
	}
	if !concluded || !resolved {
		t.Errorf("record: minutes concluded=%v, resolution=%v; want both", concluded, resolved)
	}
}
