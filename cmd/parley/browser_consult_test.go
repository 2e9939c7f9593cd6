package main

import (
	"context"
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
		t.Fatalf("%s did not happen live: %v", what, err)
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
	timeline, err := chromedp.Run(us, chromedp.Text(chromedp.CSS(`#timeline`)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "from raised to acknowledged"; !strings.Contains(timeline, want) {
		t.Errorf("US timeline %q lacks %q", timeline, want)
	}
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
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#sign`)), chromedp.WaitNotPresent(chromedp.CSS(`#sign`))); err != nil {
		t.Fatalf("US signs: %v", err)
	}
	waitLive(t, us)
	waitFor(t, ru, "the US signature on the Russian page", `document.getElementById('statement-status').innerText.includes('signed by United States')`)
	if err := chromedp.Do(ru, chromedp.Click(chromedp.CSS(`#sign`)), chromedp.WaitVisible(chromedp.CSS(`#statement-status[data-adopted="true"]`))); err != nil {
		t.Fatalf("Russia signs: %v", err)
	}
	waitFor(t, us, "the adoption on the US page", `document.getElementById('statement-status').dataset.adopted === 'true'`)
	status, err := chromedp.Run(us, chromedp.Text(chromedp.CSS(`#statement-status`)))
	if err != nil || !strings.Contains(status, "Adopted") || !strings.Contains(status, "Russian Federation") {
		t.Errorf("US page status %q, %v; want adopted, signed by both", status, err)
	}
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
