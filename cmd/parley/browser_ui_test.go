package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// twoDelegations starts the demo and signs the US head in to a browser;
// ru is the Russian head's API token, to act while the US types.
func twoDelegations(t *testing.T) (s *server, us context.Context, ru string, pw map[string]string) {
	t.Helper()
	us = browser(t)
	s = startServer(t, nil, "--demo")
	pw = demoPasswords(t, s.out.String())
	signInContext(t, us, s.url, "us-head", pw["us-head"])
	return s, us, login(t, s.url, "ru-head", pw["ru-head"]), pw
}

// typeInto clears the field sel and types text into it as a person does,
// which leaves the focus in it.
func typeInto(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	evalJS[bool](t, ctx, fmt.Sprintf(`(document.querySelector(%q).value = '') === ''`, sel))
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		t.Fatalf("type into %s: %v", sel, err)
	}
}

// evalJS runs js in ctx and returns its value.
func evalJS[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// keeps checks that each field still holds what was typed into it and that
// the focus is still in focus.
func keeps(t *testing.T, ctx context.Context, what string, typed map[string]string, focus string) {
	t.Helper()
	for sel, text := range typed {
		if got := evalJS[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).value`, sel)); got != text {
			t.Errorf("%s: %s holds %q after the live update; want what was typed, %q", what, sel, got, text)
		}
	}
	if got := evalJS[string](t, ctx, `'#' + (document.activeElement.id || document.activeElement.tagName)`); got != focus {
		t.Errorf("%s: the focus is on %s after the live update; want %s", what, got, focus)
	}
}

// TestBrowserLiveUpdatesKeepTyping: the US head types into the forms of an
// irritant, a round and a statement page while the Russian head saves
// related and unrelated changes; each page updates live, and what the US
// head typed and where the cursor was survive. On the statement, a newer
// version saved meanwhile is announced in the editor, which keeps the text
// and the version it started from.
func TestBrowserLiveUpdatesKeepTyping(t *testing.T) {
	s, us, ru, _ := twoDelegations(t)
	usTok := login(t, s.url, "us-head", demoPW(t, s, "us-head"))

	// The irritant page: a move reason and a comment.
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/irritants/1"), chromedp.WaitVisible(chromedp.CSS(`#reason`))); err != nil {
		t.Fatal(err)
	}
	waitLive(t, us)
	const reason, comment = "Staffing depends on the properties; we move to", "Our answer: a phased return over six"
	typeInto(t, us, `#reason`, reason)
	typeInto(t, us, `#ctext`, comment)
	const related, unrelated = "Russia answers while the US types.", "Unrelated irritant raised meanwhile"
	if code := call(t, "POST", s.url+"/api/v1/irritants/1/comments", ru, map[string]any{"text": related, "kind": "response"}, nil); code != 201 {
		t.Fatalf("Russia comments: %d", code)
	}
	if code := call(t, "POST", s.url+"/api/v1/talks/1/irritants", ru, map[string]any{"title": unrelated, "toward": []int64{1}}, nil); code != 201 {
		t.Fatalf("Russia raises: %d", code)
	}
	waitFor(t, us, "the Russian comment on the US irritant page", fmt.Sprintf(`document.getElementById('comments').innerText.includes(%q)`, related))
	keeps(t, us, "irritant page", map[string]string{"#reason": reason, "#ctext": comment}, "#ctext")

	// The round page: minutes of one item while the other's are recorded.
	rd := planVienna(t, s, usTok, "2025-06-02T09:00:00Z")
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/rounds/%d/moves", s.url, rd.ID), usTok, map[string]any{"to": "in_progress"}, nil); code != 200 {
		t.Fatalf("start the round: %d", code)
	}
	first, second := rd.Agenda[0].ID, rd.Agenda[1].ID
	if err := chromedp.Do(us, chromedp.Navigate(fmt.Sprintf("%s/rounds/%d", s.url, rd.ID)), chromedp.WaitVisible(chromedp.CSS(`#item-`+fmt.Sprint(first)+` summary`)),
		chromedp.Click(chromedp.CSS(`#item-`+fmt.Sprint(first)+` summary`))); err != nil {
		t.Fatal(err)
	}
	waitLive(t, us)
	const minutes, freeItem = "The delegations compared lists of consular posts and", "Any other business"
	typeInto(t, us, `#atitle`, freeItem)
	typeInto(t, us, fmt.Sprintf(`#m-%d`, first), minutes)
	const theirs = "Flights: both sides will ask their carriers."
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/rounds/%d/agenda/%d/minutes", s.url, rd.ID, second), ru, map[string]any{"minutes": theirs, "outcome": "noted"}, nil); code != 200 {
		t.Fatalf("Russia records minutes: %d", code)
	}
	waitFor(t, us, "the Russian minutes on the US round page", fmt.Sprintf(`document.getElementById('item-%d').innerText.includes(%q)`, second, theirs))
	keeps(t, us, "round page", map[string]string{fmt.Sprintf(`#m-%d`, first): minutes, "#atitle": freeItem}, fmt.Sprintf("#m-%d", first))
	if open := evalJS[bool](t, us, fmt.Sprintf(`document.querySelector('#item-%d details').open`, first)); !open {
		t.Error("round page: the minutes the US head opened were folded by the live update")
	}

	// The statement page: the editor and a paragraph comment while Russia
	// saves version 3.
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/joint-statements/1"), chromedp.WaitVisible(chromedp.CSS(`#etext`))); err != nil {
		t.Fatal(err)
	}
	waitLive(t, us)
	const mine = "The delegations met in Istanbul.\n\nThey agreed on banking for missions."
	const note = "Paragraph 2 should name the bank"
	typeInto(t, us, `#etext`, mine)
	typeInto(t, us, `#ptext`, note)
	if hidden := evalJS[bool](t, us, `document.querySelector('#edit .stale').hidden`); !hidden {
		t.Fatal("the editor says a newer version exists before one was saved")
	}
	v1 := "The delegations of the United States and the Russian Federation met in Istanbul on 27 February 2025.\n\n" +
		"They agreed that salary payments for diplomatic missions will be made through a designated bank.\n\n" +
		"They will continue consultations on embassy staffing.\n\nDiplomatic notes will be answered within fourteen days."
	if code := call(t, "POST", s.url+"/api/v1/statements/1/versions", ru, map[string]any{"base": 2, "text": v1 + "\n\nFlights will resume."}, nil); code != 201 {
		t.Fatalf("Russia saves version 3: %d", code)
	}
	waitFor(t, us, "version 3 on the US statement page", `document.getElementById('statement-status').innerText.includes('Version 3')`)
	keeps(t, us, "statement page", map[string]string{"#etext": mine, "#ptext": note}, "#ptext")
	waitFor(t, us, "the notice in the editor that version 3 was saved meanwhile",
		`(n => !n.hidden && n.innerText.includes('Version 3 was saved by Russian Federation while you were editing'))(document.querySelector('#edit .stale'))`)
	if base := evalJS[string](t, us, `document.querySelector('#edit input[name=base]').value`); base != "2" {
		t.Errorf("the editor's base version changed under the user to %s; want 2, the version they started on", base)
	}
	// Saving shows both texts, word by word, with the user's text kept.
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#edit button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#conflict-diff`))); err != nil {
		t.Fatalf("save on the older version: %v", err)
	}
	if got := evalJS[string](t, us, `document.getElementById('etext').value`); got != mine {
		t.Errorf("after the conflict the editor holds %q; want the user's text", got)
	}
	if diff := evalJS[string](t, us, `document.getElementById('conflict-diff').innerHTML`); !strings.Contains(diff, "<del>") || !strings.Contains(diff, "<ins>") {
		t.Errorf("the conflict shows no tracked changes: %s", diff)
	}
}

// roundRef is a round as the API answers, with its agenda items' ids.
type roundRef struct {
	ID     int64 `json:"id"`
	Agenda []struct {
		ID int64 `json:"id"`
	} `json:"agenda"`
}

// planVienna plans, through the API as tok, the round "Vienna" of talk 1
// between the US and Russia starting at starts (RFC 3339), with the agenda
// items "Consular staff" and "Flights".
func planVienna(t *testing.T, s *server, tok, starts string) roundRef {
	t.Helper()
	var rd roundRef
	if code := call(t, "POST", s.url+"/api/v1/talks/1/rounds", tok, map[string]any{"title": "Vienna", "starts_at": starts, "delegations": []int64{1, 2},
		"agenda": []map[string]any{{"title": "Consular staff"}, {"title": "Flights"}}}, &rd); code != 201 || len(rd.Agenda) != 2 {
		t.Fatalf("plan a round: %d %+v", code, rd)
	}
	return rd
}

func demoPW(t *testing.T, s *server, name string) string {
	t.Helper()
	return demoPasswords(t, s.out.String())[name]
}

// countIrritants returns how many irritants of talk 1 have this title.
func countIrritants(t *testing.T, base, token, title string) int {
	t.Helper()
	var list struct {
		Irritants []struct {
			Title string `json:"title"`
		} `json:"irritants"`
	}
	if code := call(t, "GET", base+"/api/v1/talks/1/irritants?limit=500", token, nil, &list); code != 200 {
		t.Fatalf("list irritants: %d", code)
	}
	n := 0
	for _, i := range list.Irritants {
		if i.Title == title {
			n++
		}
	}
	return n
}

// TestBrowserOverlongIrritantComesBack: a description over the limit comes
// back in the form with the text kept, the message next to the field in a
// plain sentence and the focus on it; the limit counts characters, so a
// Cyrillic text within it (twice as many bytes) is accepted.
func TestBrowserOverlongIrritantComesBack(t *testing.T) {
	s, us, _, pw := twoDelegations(t)
	usTok := login(t, s.url, "us-head", pw["us-head"])
	const title = "Consular access to detained nationals"
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/talks/1/irritants"), chromedp.WaitVisible(chromedp.CSS(`#raise`))); err != nil {
		t.Fatal(err)
	}
	typeInto(t, us, `#title`, title)
	long := strings.Repeat("Access denied. ", 1334)[:20001]
	evalJS[bool](t, us, fmt.Sprintf(`(() => { const d = document.getElementById('description'); d.value = %q; d.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, long))
	if counter := evalJS[string](t, us, `document.getElementById('description-count').innerText`); !strings.Contains(counter, "20,001 characters; the limit is 20,000") {
		t.Errorf("the counter reads %q while the description is over the limit", counter)
	}
	evalJS[bool](t, us, `window.beforeSubmit = true`)
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#raise button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if err := afterReload(us, `!!document.getElementById('description-error')`); err != nil {
		t.Fatal(err)
	}
	if msg := evalJS[string](t, us, `document.getElementById('description-error').innerText`); msg != "The description is 20,001 characters; the limit is 20,000." {
		t.Errorf("the message next to the description reads %q", msg)
	}
	if got := evalJS[string](t, us, `document.getElementById('description').value`); got != long {
		t.Errorf("the description came back with %d characters; want the %d sent", len(got), len(long))
	}
	if got := evalJS[string](t, us, `document.getElementById('title').value`); got != title {
		t.Errorf("the title came back as %q", got)
	}
	if got := evalJS[string](t, us, `document.activeElement.id`); got != "description" {
		t.Errorf("the focus is on %q; want the description", got)
	}
	if loc := evalJS[string](t, us, `location.search`); strings.Contains(loc, "error") {
		t.Errorf("the message travels in the URL: %s", loc)
	}
	if n := countIrritants(t, s.url, usTok, title); n != 0 {
		t.Fatalf("%d irritants raised from the overlong form; want none", n)
	}
	// 15,000 Cyrillic characters are 30,000 bytes and within the limit.
	cyr := strings.Repeat("д", 15000)
	evalJS[bool](t, us, fmt.Sprintf(`(() => { document.getElementById('description').value = %q; return true })()`, cyr))
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`#raise button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#status[data-status="raised"]`))); err != nil {
		t.Fatalf("a Cyrillic description within the limit: %v", err)
	}
}

// TestBrowserDoubleSubmitRaisesOnce: a form sent twice with its one-time
// key, as a double click or a resent request does, raises one irritant, and
// both answers lead to it; pressing the button twice sends the form once.
func TestBrowserDoubleSubmitRaisesOnce(t *testing.T) {
	s, us, _, pw := twoDelegations(t)
	usTok := login(t, s.url, "us-head", pw["us-head"])
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/talks/1/irritants"), chromedp.WaitVisible(chromedp.CSS(`#raise`))); err != nil {
		t.Fatal(err)
	}
	const title = "Fishing rights in the Bering Sea"
	typeInto(t, us, `#title`, title)
	urls, err := chromedp.Run(us, chromedp.Evaluate[string](`(async () => {
		const f = document.getElementById('raise');
		const body = new URLSearchParams(new FormData(f)).toString();
		const send = () => fetch(f.action, {method: 'POST', body, headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
		const rs = await Promise.all([send(), send(), send()]);
		return rs.map(r => r.status + ' ' + new URL(r.url).pathname).join(',');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(urls, ",")
	if len(parts) != 3 || parts[0] != parts[1] || parts[1] != parts[2] || !strings.HasPrefix(parts[0], "200 /irritants/") {
		t.Errorf("three sends of one form answered %s; want all three to lead to the one irritant", urls)
	}
	if n := countIrritants(t, s.url, usTok, title); n != 1 {
		t.Errorf("%d irritants raised by one form sent three times; want 1", n)
	}
	// Two presses of the button: the second is not sent.
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/talks/1/irritants"), chromedp.WaitVisible(chromedp.CSS(`#raise`))); err != nil {
		t.Fatal(err)
	}
	const second = "Arctic shipping lanes"
	typeInto(t, us, `#title`, second)
	evalJS[bool](t, us, `(() => { const b = document.querySelector('#raise button[type=submit]'); b.click(); b.click(); document.getElementById('raise').requestSubmit(); return true })()`)
	if err := chromedp.Do(us, chromedp.WaitVisible(chromedp.CSS(`#status[data-status="raised"]`))); err != nil {
		t.Fatal(err)
	}
	if n := countIrritants(t, s.url, usTok, second); n != 1 {
		t.Errorf("%d irritants raised by pressing the button twice; want 1", n)
	}
}

// inboxKeys signs name in to a fresh browser context and returns the keys
// of the items on their inbox, sorted.
func inboxKeys(t *testing.T, parent context.Context, base, name, password string) (context.Context, string) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#inbox`)),
	)
	if err != nil {
		t.Fatalf("%s signs in: %v", name, err)
	}
	return ctx, evalJS[string](t, ctx, `[...document.querySelectorAll('#inbox li.inbox-item')].map(li => li.dataset.key).sort().join(' ')`)
}

// TestBrowserInboxListsWhatEachMustDo signs in each kind of demo user and
// checks that the inbox lists exactly what they must act on, grouped by
// talk, and that an item acted on leaves it.
func TestBrowserInboxListsWhatEachMustDo(t *testing.T) {
	root := browserFor(t, 5*time.Minute)
	if err := chromedp.Do(root); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	// Irritant 5 (flights) is raised by Russia toward the US; 1 (staffing,
	// due 2025-04-30) and 4 (visas, due 2025-06-30) are open and overdue;
	// statement 1 (Istanbul) awaits both heads' signatures and statement 2
	// (the war) the members' signatures and marks and the stakeholders'
	// consent; Russia owns the Istanbul follow-up on staffing (item 4) and
	// has yet to approve the Istanbul minutes (round 2). In
	// the negotiations, both members must mark the war text (negotiation 1,
	// version 1) and submit a profile for embassy operations (negotiation 2);
	// the stakeholders have submitted their red lines, and the mediator has
	// asked for the first text.
	for _, tt := range []struct{ user, want string }{
		{"us-head", "ack-5 neg-mark-1-1 neg-profile-2 overdue-1 overdue-4 sign-1-2 sign-2-1"},
		{"us-negotiator", "ack-5 mark-2-1 neg-mark-1-1 neg-profile-2 overdue-1 overdue-4"},
		{"ru-head", "followup-2-4 minutes-2 neg-mark-1-1 neg-profile-2 overdue-1 overdue-4 sign-1-2 sign-2-1"},
		{"ua-head", "consent-2-1"},
		{"eu-head", "consent-2-1"},
		{"sa-host", ""},
		{"mediator", ""},
	} {
		_, got := inboxKeys(t, root, s.url, tt.user, pw[tt.user])
		if got != tt.want {
			t.Errorf("%s's inbox lists %q; want %q", tt.user, got, tt.want)
		}
	}
	us, _ := inboxKeys(t, root, s.url, "us-head", pw["us-head"])
	group := evalJS[string](t, us, `document.querySelector('#inbox-talk-1 h2').innerText + ' / ' + document.querySelector('#inbox-talk-2 h2').innerText`)
	if group != "US–Russia consultation mechanism / A path to ending the war" {
		t.Errorf("the inbox groups under %q", group)
	}
	if od := evalJS[string](t, us, `document.querySelector('[data-key="overdue-1"] .tag').innerText`); !strings.HasPrefix(od, "overdue by ") {
		t.Errorf("the overdue irritant is marked %q; want 'overdue by …'", od)
	}
	// Acknowledging takes the irritant off the inbox; its notification
	// stops asking for action.
	if err := chromedp.Do(us, chromedp.Click(chromedp.CSS(`[data-key="ack-5"] a`)), chromedp.WaitVisible(chromedp.CSS(`#acknowledge`)),
		chromedp.Click(chromedp.CSS(`#acknowledge`)), chromedp.WaitVisible(chromedp.CSS(`#status[data-status="acknowledged"]`)),
		chromedp.Navigate(s.url+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`#inbox`))); err != nil {
		t.Fatal(err)
	}
	if got := evalJS[string](t, us, `[...document.querySelectorAll('#inbox li.inbox-item')].map(li => li.dataset.key).sort().join(' ')`); got != "neg-mark-1-1 neg-profile-2 overdue-1 overdue-4 sign-1-2 sign-2-1" {
		t.Errorf("after acknowledging, the inbox lists %q", got)
	}
	if err := chromedp.Do(us, chromedp.Navigate(s.url+"/notifications"), chromedp.WaitVisible(chromedp.CSS(`#notifications`))); err != nil {
		t.Fatal(err)
	}
	groups := evalJS[string](t, us, `[...document.querySelectorAll('#notifications h2')].map(h => h.innerText).join(' / ')`)
	if !strings.Contains(groups, "US–Russia consultation mechanism") {
		t.Errorf("notifications are not grouped by talk: %q", groups)
	}
	if n := evalJS[int](t, us, `document.querySelectorAll('#notifications li.action-required').length`); n == 0 {
		t.Error("no notification is marked as needing action, though statements await the US signature")
	}
}
