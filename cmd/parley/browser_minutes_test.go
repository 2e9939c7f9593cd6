package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserMinutesApprovedByBothDelegations: the US head edits a planned
// round's details and agenda in the browser; once started, the details are
// no longer offered. Both heads approve the minutes in their browsers, each
// seeing the other's approval live; a change after the US approval resets
// it and says so; the minutes become agreed when both have approved.
// Concluding with an item lacking an outcome before the round's date asks
// first, naming the item and the date. axe finds nothing on these pages.
func TestBrowserMinutesApprovedByBothDelegations(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-core-4.11.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	s, us, ruTok, pw := twoDelegations(t)
	usTok := login(t, s.url, "us-head", pw["us-head"])
	ru, cancel := chromedp.NewContext(us, chromedp.WithNewBrowserContext())
	defer cancel()
	signInContext(t, ru, s.url, "ru-head", pw["ru-head"])
	axeClean := func(ctx context.Context, what string) {
		t.Helper()
		for _, b := range checkPage(t, ctx, string(axe)) {
			t.Errorf("%s: %s", what, b)
		}
	}

	rd := planVienna(t, s, usTok, "2030-06-02T09:00:00Z")
	page := fmt.Sprintf("%s/rounds/%d", s.url, rd.ID)
	staff := rd.Agenda[0].ID

	// The planned round's details and agenda change in the browser.
	step(t, us, "open the planned round", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#edit-details summary`)), chromedp.Click(chromedp.CSS(`#edit-details summary`)))
	axeClean(us, "planned round, details open")
	if shots := os.Getenv("PARLEY_SCREENSHOTS"); shots != "" {
		shoot(t, us, filepath.Join(shots, "round-planned-phone.png"), 390, 844)
		shoot(t, us, filepath.Join(shots, "round-planned-desktop.png"), 1280, 900)
	}
	typeInto(t, us, `#rtitle`, "Vienna talks")
	typeInto(t, us, `#rvenue`, "Hofburg")
	submitted(t, us, "save the details", chromedp.Click(chromedp.CSS(`#save-details`)))
	if h := evalJS[string](t, us, `document.querySelector('#live h1').innerText + ' / ' + document.getElementById('live').innerText.includes('Hofburg')`); h != "Vienna talks / true" {
		t.Errorf("after saving the details the page reads %q", h)
	}
	submitted(t, us, "move Consular staff down", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#down-%d button`, staff))))
	if order := evalJS[string](t, us, `[...document.querySelectorAll('.agenda > li strong')].map(x => x.innerText).join(', ')`); order != "Flights, Consular staff" {
		t.Errorf("after moving Consular staff down the agenda reads %q", order)
	}
	// The agenda was rewritten: items have new ids.
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/rounds/%d", s.url, rd.ID), usTok, nil, &rd); code != 200 {
		t.Fatalf("read the round: %d", code)
	}
	staff = rd.Agenda[1].ID // Flights is first now
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/rounds/%d/moves", s.url, rd.ID), ruTok, map[string]any{"to": "in_progress"}, nil); code != 200 {
		t.Fatalf("start the round: %d", code)
	}
	step(t, us, "reopen the started round", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#approval`)))
	if n := evalJS[int](t, us, `document.querySelectorAll('#edit-details').length`); n != 0 {
		t.Error("a started round still offers its details to edit")
	}
	if code := call(t, "PATCH", fmt.Sprintf("%s/api/v1/rounds/%d", s.url, rd.ID), usTok, map[string]any{"title": "Late"}, nil); code != 409 {
		t.Errorf("PATCH a started round: %d, want 409", code)
	}
	minutes := fmt.Sprintf("%s/api/v1/rounds/%d/agenda/%d/minutes", s.url, rd.ID, staff)
	if code := call(t, "POST", minutes, usTok, map[string]any{"minutes": "Both sides will restore consular staff.", "outcome": "agreed"}, nil); code != 200 {
		t.Fatalf("minutes: %d", code)
	}
	step(t, ru, "Russia opens the round", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#approval`)))
	waitLive(t, ru)

	// The US approves; Russia sees it live.
	step(t, us, "reload the US page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#approve`)))
	step(t, us, "ask to approve", chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`#approve-dialog`)))
	if txt := evalJS[string](t, us, `document.getElementById('approve-dialog').innerText`); !strings.Contains(txt, "version 1") || !strings.Contains(txt, "Russian Federation") {
		t.Errorf("the approval dialog does not say which version and who else must approve: %q", txt)
	}
	axeClean(us, "approval dialog open")
	submitted(t, us, "approve", chromedp.Click(chromedp.CSS(`#approve-yes`)))
	waitFor(t, ru, "the US approval on the Russian page", `document.getElementById('approvals').innerText.includes('Approved by United States on') && document.getElementById('approvals').innerText.includes('waiting for Russian Federation')`)
	waitLive(t, us)
	axeClean(ru, "approval awaited")
	if shots := os.Getenv("PARLEY_SCREENSHOTS"); shots != "" {
		shoot(t, ru, filepath.Join(shots, "round-awaiting-phone.png"), 390, 844)
		shoot(t, ru, filepath.Join(shots, "round-awaiting-desktop.png"), 1280, 900)
	}

	// A change resets the US approval, and the US page says so.
	if code := call(t, "POST", minutes, usTok, map[string]any{"minutes": "Both sides will restore consular staff by June.", "outcome": "agreed"}, nil); code != 200 {
		t.Fatalf("change the minutes: %d", code)
	}
	waitFor(t, us, "the reset of the US approval", `!!document.getElementById('approval-reset') && !!document.getElementById('approve')`)
	waitFor(t, ru, "the reset on the Russian page", `document.getElementById('approvals').innerText.includes('No delegation has approved them yet')`)

	// Both approve: the minutes are agreed, on both pages.
	step(t, us, "US approves again", chromedp.Evaluate[chromedp.Void](`window.beforeSubmit = true`), chromedp.Click(chromedp.CSS(`#approve`)),
		chromedp.WaitVisible(chromedp.CSS(`#approve-yes`)), chromedp.Click(chromedp.CSS(`#approve-yes`)))
	if err := afterReload(us, `!document.getElementById('approve')`); err != nil {
		t.Fatal(err)
	}
	waitLive(t, us)
	waitFor(t, ru, "the second US approval on the Russian page", `document.getElementById('approvals').innerText.includes('Approved by United States')`)
	submitted(t, ru, "Russia approves", chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`#approve-yes`)), chromedp.Click(chromedp.CSS(`#approve-yes`)))
	if st := evalJS[string](t, ru, `document.getElementById('minutes-state').dataset.state`); st != "agreed" {
		t.Errorf("after both approve the Russian page says the minutes are %q", st)
	}
	waitFor(t, us, "the agreement on the US page", `document.getElementById('minutes-state').dataset.state === 'agreed'`)

	// Concluding asks first: the dialog names the item without an outcome
	// and the date still ahead.
	step(t, us, "ask to conclude", chromedp.Click(chromedp.CSS(`#round-move`)), chromedp.WaitVisible(chromedp.CSS(`#conclude-dialog`)))
	if txt := evalJS[string](t, us, `document.getElementById('conclude-dialog').innerText`); !strings.Contains(txt, "Flights") || strings.Contains(txt, "Consular staff\n") || !strings.Contains(txt, "has not come yet") {
		t.Errorf("the conclusion dialog does not name Flights and the date: %q", txt)
	}
	submitted(t, us, "US concludes", chromedp.Click(chromedp.CSS(`#conclude-yes`)))
	// Without the dialog (no script), the server asks on a page of its own.
	submitted(t, ru, "Russia concludes without the dialog", chromedp.Evaluate[chromedp.Void](`document.getElementById('round-move-form').submit()`))
	if txt := evalJS[string](t, ru, `document.getElementById('conclude-confirm').innerText`); !strings.Contains(txt, "Flights") || !strings.Contains(txt, "has not come yet") {
		t.Errorf("the confirmation page does not name Flights and the date: %q", txt)
	}
	axeClean(ru, "the confirmation page")
	if shots := os.Getenv("PARLEY_SCREENSHOTS"); shots != "" {
		shoot(t, ru, filepath.Join(shots, "round-confirm-desktop.png"), 1280, 900)
	}
	submitted(t, ru, "Russia confirms", chromedp.Click(chromedp.CSS(`#conclude-confirmed`)))
	if st := evalJS[string](t, ru, `document.getElementById('round-status').dataset.status`); st != "concluded" {
		t.Errorf("after both conclude the round is %q", st)
	}
	if st := evalJS[string](t, ru, `document.getElementById('minutes-state').dataset.state`); st != "agreed" {
		t.Errorf("the concluded round's minutes are %q, want still agreed", st)
	}
	if shots := os.Getenv("PARLEY_SCREENSHOTS"); shots != "" {
		shoot(t, ru, filepath.Join(shots, "round-desktop.png"), 1280, 900)
		shoot(t, ru, filepath.Join(shots, "round-phone.png"), 390, 844)
	}
	for _, w := range []int64{1280, 390} {
		step(t, ru, "viewport", chromedp.EmulateViewport(w, 844))
		axeClean(ru, fmt.Sprintf("concluded round at %d px", w))
		if wide := evalJS[bool](t, ru, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("the round page scrolls sideways at %d px", w)
		}
	}
}

// shoot saves a full-page screenshot of ctx at width×height to path.
func shoot(t *testing.T, ctx context.Context, path string, width, height int64) {
	t.Helper()
	step(t, ctx, "viewport", chromedp.EmulateViewport(width, height))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
