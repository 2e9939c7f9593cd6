package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shot saves a full-page screenshot to $PARLEY_SCREENSHOTS/name.png when
// that folder is set, for people to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PARLEY_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// confirming answers the page's confirm() questions with OK, as a user who
// read them would, and records each question in window.asked.
func confirming() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`window.asked = []; window.confirm = (q) => { window.asked.push(q); return true }`)
}

// step runs actions in ctx and fails the test with what the page shows.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 1500) : ''`))
		t.Fatalf("%s: %v\npage: %s", what, err, text)
	}
}

// submitted runs actions that submit a form, waits until the page they
// lead to has replaced the current one, and waits for its live stream.
func submitted(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step(t, ctx, what, append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`window.beforeSubmit = true`)}, actions...)...)
	if err := afterReload(ctx, `!!document.querySelector('[sse-connect]')`); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	waitLive(t, ctx)
}

// textOf reads an element's text by script, which a live update replacing
// the element between a query and its read cannot break.
func textOf(id string) chromedp.Action[string] {
	return chromedp.Evaluate[string](fmt.Sprintf(`(document.getElementById(%q) || {innerText: ''}).innerText`, id))
}

// openLive navigates ctx to url and waits for the live stream.
func openLive(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	step(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`#neg-panel`)))
	waitLive(t, ctx)
}

const ruProfileXML = `<utility_space>
<reservation value="0.3" />
<objective index="0" description="" name="embassy" type="objective" etype="objective">
<issue index="1" name="Staffing" vtype="discrete" type="discrete" etype="discrete">
<item index="1" value="Cut" evaluation="1"/><item index="2" value="Freeze" evaluation="5"/><item index="3" value="Restore" evaluation="10"/>
</issue>
<issue index="2" name="Visas" vtype="discrete" type="discrete" etype="discrete">
<item index="1" value="Restricted" evaluation="10"/><item index="2" value="Normal" evaluation="3"/>
</issue>
<issue index="3" name="Flights" vtype="discrete" type="discrete" etype="discrete">
<item index="1" value="None" evaluation="1"/><item index="2" value="Diplomats" evaluation="6"/><item index="3" value="Commercial" evaluation="10"/>
</issue>
<weight index="1" value="0.3"/><weight index="2" value="0.5"/><weight index="3" value="0.2"/>
</objective>
</utility_space>`

// TestBrowserNegotiationProcedure walks a whole negotiation with four
// people in four browsers at once — the mediator, the US and Russian heads
// of delegation, and Ukraine as an affected stakeholder: the issues are
// drafted, the US types its profile, Russia uploads a GENIUS profile,
// Ukraine enters a red line, the mediator asks parley for a text and
// proposes one of its own, the members mark it and agree, parley finds an
// improvement that both accept, the agreement becomes a joint statement
// that both heads sign and Ukraine consents to, and both members disclose.
// Each page sees the others' acts live, without reloading.
func TestBrowserNegotiationProcedure(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	med, us, ru, ua := browserFor(t, 6*time.Minute), browserFor(t, 6*time.Minute), browserFor(t, 6*time.Minute), browserFor(t, 6*time.Minute)
	for who, ctx := range map[string]context.Context{"mediator": med, "us-head": us, "ru-head": ru, "ua-head": ua} {
		signInContext(t, ctx, s.url, who, pw[who])
	}

	// The mediator opens a negotiation in the talk on ending the war.
	step(t, med, "open the negotiations of talk 2",
		chromedp.Navigate(s.url+"/talks/2"), chromedp.Click(chromedp.CSS(`#tab-negotiations`)), chromedp.WaitVisible(chromedp.CSS(`#ntitle`)))
	shot(t, med, "negotiations-list")
	// A bad issue line comes back with the text kept and the message by the form.
	step(t, med, "submit an issue with one option",
		chromedp.SendKeys(chromedp.CSS(`#ntitle`), "Embassy operations"),
		chromedp.SendKeys(chromedp.CSS(`#nissues`), "Staffing: Cut"),
		chromedp.Click(`//button[contains(., "Open the negotiation")]`),
		chromedp.WaitVisible(chromedp.CSS(`#open-error`)))
	kept, _ := chromedp.Run(med, chromedp.Value(chromedp.CSS(`#nissues`)))
	msg, _ := chromedp.Run(med, textOf("open-error"))
	focused, _ := chromedp.Run(med, chromedp.Evaluate[string](`document.activeElement.id`))
	if kept != "Staffing: Cut" || !strings.Contains(msg, "at least 2 options") || focused != "open-error" {
		t.Errorf("refused form: kept %q, message %q, focus on %q", kept, msg, focused)
	}
	step(t, med, "open the negotiation",
		chromedp.SetValue(chromedp.CSS(`#nissues`), "Staffing: Cut | Freeze | Restore\nVisas: Restricted | Normal\nFlights: None | Diplomats | Commercial"),
		chromedp.Click(`//button[contains(., "Open the negotiation")]`),
		chromedp.WaitVisible(chromedp.CSS(`#start-eliciting`)))
	url, _ := chromedp.Run(med, chromedp.Location())
	shot(t, med, "negotiation-drafting")
	step(t, med, "start eliciting", confirming(), chromedp.Click(chromedp.CSS(`#start-eliciting`)), chromedp.WaitVisible(chromedp.CSS(`#start-mediating`)))
	waitLive(t, med)

	// The US types its profile; Russia uploads one; Ukraine enters a red line.
	openLive(t, us, url)
	fields := map[string]string{"#w-0": "50", "#w-1": "30", "#w-2": "20",
		"#s-0-0": "0", "#s-0-1": "50", "#s-0-2": "100", "#s-1-0": "20", "#s-1-1": "100", "#s-2-0": "0", "#s-2-1": "40", "#s-2-2": "100"}
	var typing []chromedp.Action[chromedp.Void]
	for sel, v := range fields {
		typing = append(typing, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), v))
	}
	typing = append(typing, chromedp.Clear(chromedp.CSS(`#reservation`)), chromedp.SendKeys(chromedp.CSS(`#reservation`), "1.5"), chromedp.Click(chromedp.CSS(`#submit-prefs`)), chromedp.WaitVisible(chromedp.CSS(`#prefs-error`)))
	step(t, us, "US enters a reservation out of range", typing...)
	if v, _ := chromedp.Run(us, chromedp.Value(chromedp.CSS(`#s-1-1`))); v != "100" {
		t.Errorf("after a refused profile the score field holds %q; want what was typed (100)", v)
	}
	step(t, us, "US submits its profile",
		chromedp.Clear(chromedp.CSS(`#reservation`)), chromedp.SendKeys(chromedp.CSS(`#reservation`), "0.35"), chromedp.Click(chromedp.CSS(`#submit-prefs`)), chromedp.WaitVisible(chromedp.CSS(`#reservation-rank`)))
	waitLive(t, us)
	shot(t, us, "negotiation-my-profile")
	openLive(t, ru, url)
	file := filepath.Join(t.TempDir(), "russia.xml")
	if err := os.WriteFile(file, []byte(ruProfileXML), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, ru, "Russia uploads its GENIUS profile",
		chromedp.SetUploadFiles(chromedp.CSS(`#profile_file`), []string{file}),
		chromedp.Click(chromedp.CSS(`#submit-prefs`)), chromedp.WaitVisible(chromedp.CSS(`#my-profile`)))
	waitLive(t, ru)
	openLive(t, ua, url)
	step(t, ua, "Ukraine enters a red line",
		chromedp.Click(chromedp.CSS(`input[name="x-0-0"]`)), chromedp.Click(chromedp.CSS(`#submit-prefs`)), chromedp.WaitVisible(chromedp.CSS(`#my-profile`)))
	waitLive(t, ua)
	// The mediator saw each submission arrive live.
	waitFor(t, med, "the submissions", `document.getElementById('parties').innerText.split('submitted version 1').length === 4`)
	for name, ctx := range map[string]context.Context{"mediator": med, "Russia": ru} {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if strings.Contains(body, "0.35") || strings.Contains(body, "Cut = ") {
			t.Errorf("%s's page shows something of the US or Ukrainian preferences", name)
		}
	}

	// The mediator starts mediating and asks parley for the text.
	step(t, med, "start mediating", chromedp.Click(chromedp.CSS(`#start-mediating`)), chromedp.WaitVisible(chromedp.CSS(`#ask-engine`)))
	step(t, med, "ask parley", chromedp.Click(chromedp.CSS(`#ask-engine`)), chromedp.WaitVisible(chromedp.CSS(`#current-text`)))
	text, _ := chromedp.Run(med, textOf("current-text"))
	if strings.Contains(text, "Cut") {
		t.Errorf("parley's text crosses Ukraine's red line:\n%s", text)
	}
	shot(t, med, "negotiation-mediator-text")
	for name, ctx := range map[string]context.Context{"US": us, "Russia": ru, "Ukraine": ua} {
		waitFor(t, ctx, name+" sees the text", `!!document.getElementById('current-text')`)
	}
	mine, _ := chromedp.Run(us, textOf("my-utility"))
	if !strings.Contains(mine, "above its reservation") {
		t.Errorf("the US does not see its utility and margin: %q", mine)
	}
	if v, _ := chromedp.Run(ua, chromedp.Evaluate[bool](`!!document.getElementById('my-utility')`)); v {
		t.Error("Ukraine, with red lines only, is shown a utility")
	}
	// The mediator proposes a text of its own that leaves room for both.
	step(t, med, "check and propose a hand-written text",
		chromedp.SetValue(chromedp.CSS(`#o-0`), "Freeze"), chromedp.SetValue(chromedp.CSS(`#o-1`), "Restricted"), chromedp.SetValue(chromedp.CSS(`#o-2`), "None"),
		chromedp.Click(`//button[@value="assess"]`), chromedp.WaitVisible(chromedp.CSS(`#assessment`)))
	assess, _ := chromedp.Run(med, textOf("assessment"))
	if !strings.Contains(assess, "Some text is better for every side") {
		t.Errorf("assessment %q; want it to say a better text exists", assess)
	}
	submitted(t, med, "propose it", chromedp.Click(`//button[@value="manual"]`))

	// Both members mark version 2; agreement appears live everywhere.
	for name, ctx := range map[string]context.Context{"US": us, "Russia": ru} {
		waitFor(t, ctx, name+" sees version 2", `document.getElementById('text-h').innerText.includes('version 2')`)
		openLive(t, ctx, url)
		submitted(t, ctx, name+" accepts version 2",
			chromedp.Click(chromedp.CSS(`input[name=mark][value=accept]`)), chromedp.SendKeys(chromedp.CSS(`#mreason`), "We can work with this."),
			chromedp.Click(`//button[contains(., "Record our mark")]`))
	}
	waitFor(t, med, "the agreement", `!!document.getElementById('agreed')`)
	waitFor(t, ua, "the agreement", `!!document.getElementById('agreed')`)
	shot(t, ua, "negotiation-agreed-stakeholder")

	// parley finds an improvement; both accept it.
	openLive(t, med, url)
	submitted(t, med, "seek an improvement", chromedp.Click(chromedp.CSS(`#seek-improvement`)))
	if h, _ := chromedp.Run(med, textOf("text-h")); !strings.Contains(h, "Proposed improvement, version 3") {
		t.Fatalf("after seeking an improvement the text is %q", h)
	}
	for name, ctx := range map[string]context.Context{"US": us, "Russia": ru} {
		waitFor(t, ctx, name+" sees the improvement", `document.getElementById('text-h').innerText.includes('version 3')`)
		openLive(t, ctx, url)
		submitted(t, ctx, name+" accepts the improvement",
			chromedp.Click(chromedp.CSS(`input[name=mark][value=accept]`)), chromedp.Click(`//button[contains(., "Record our mark")]`))
	}
	waitFor(t, med, "the improved agreement", `document.getElementById('agreed').innerText.includes('version 3')`)

	// The agreement becomes a joint statement; both heads sign, Ukraine consents.
	openLive(t, med, url)
	step(t, med, "draft the joint statement", chromedp.Click(chromedp.CSS(`#draft-statement`)), chromedp.WaitVisible(chromedp.CSS(`#statement-status`)))
	stURL, _ := chromedp.Run(med, chromedp.Location())
	for name, ctx := range map[string]context.Context{"US": us, "Russia": ru} {
		step(t, ctx, name+" signs", chromedp.Navigate(stURL), chromedp.WaitVisible(chromedp.CSS(`#sign`)), chromedp.Click(chromedp.CSS(`#sign`)),
			chromedp.WaitVisible(chromedp.CSS(`#sign-yes`)), chromedp.Click(chromedp.CSS(`#sign-yes`)), chromedp.WaitNotPresent(chromedp.CSS(`#sign`)))
	}
	step(t, ua, "Ukraine consents", chromedp.Navigate(stURL), chromedp.WaitVisible(`//button[@value="yes"]`), chromedp.Click(`//button[@value="yes"]`),
		chromedp.WaitVisible(chromedp.CSS(`#consent-yes`)), chromedp.Click(chromedp.CSS(`#consent-yes`)),
		chromedp.WaitVisible(`//p[@id="provisional" and not(contains(., "Ukraine"))]`))
	// The European Union, the other affected stakeholder, consents through the API.
	stID := stURL[strings.LastIndex(stURL, "/")+1:]
	if code := call(t, "POST", s.url+"/api/v1/statements/"+stID+"/consents", login(t, s.url, "eu-head", pw["eu-head"]), map[string]any{"version": 1, "consent": true}, nil); code != 200 {
		t.Fatalf("the EU consents: %d", code)
	}
	openLive(t, ua, url)
	if provisional, _ := chromedp.Run(ua, chromedp.Evaluate[bool](`document.getElementById('agreed').innerText.includes('Provisional')`)); provisional {
		t.Error("the agreement is still provisional after Ukraine consented")
	}

	// Both members consent to disclose: the dance appears for them, not for Ukraine.
	for name, ctx := range map[string]context.Context{"US": us, "Russia": ru} {
		openLive(t, ctx, url)
		step(t, ctx, name+" consents to disclose", confirming(), chromedp.Click(chromedp.CSS(`#disclose`)), chromedp.WaitNotPresent(chromedp.CSS(`#disclose`)))
	}
	waitFor(t, ua, "the disclosure notice", `!!document.getElementById('disclosed-others')`)
	ok, _ := chromedp.Run(us, chromedp.Poll[bool](`(() => { const i = document.getElementById('dance'); return !!i && i.complete && i.naturalWidth > 0 })()`, chromedp.WithPollingTimeout(10*time.Second)))
	if !ok {
		t.Error("the US does not see the negotiation dance")
	}
	shot(t, us, "negotiation-disclosed")
	if code := call(t, "GET", s.url+fmt.Sprintf("%s/analysis", strings.Replace(url, s.url, s.url+"/api/v1", 1)[len(s.url):]), login(t, s.url, "ua-head", pw["ua-head"]), nil, nil); code != 403 {
		t.Errorf("Ukraine, a stakeholder, reads the members' disclosed analysis: status %d", code)
	}
}
