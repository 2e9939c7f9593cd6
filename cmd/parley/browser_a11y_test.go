package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeViolation is what axe-core reports of one rule.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkPage runs axe-core (vendored in testdata) on the page in ctx and
// checks that nothing scrolls sideways; it returns what it found wrong.
func checkPage(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	var bad []string
	if wide := evalJS[string](t, ctx, `(() => {
		const w = document.documentElement.scrollWidth, v = window.innerWidth;
		if (w <= v) return '';
		const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > v + 1).slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
		return w + ' > ' + v + ': ' + out.join(', ');
	})()`); wide != "" {
		bad = append(bad, "scrolls sideways: "+wide)
	}
	if !evalJS[bool](t, ctx, `typeof axe !== 'undefined'`) {
		evalJS[bool](t, ctx, axe+";true")
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		bad = append(bad, fmt.Sprintf("axe %s (%s) at %s", v.ID, v.Help, strings.Join(where, "; ")))
	}
	return bad
}

// TestBrowserEveryPageAccessibleAtBothWidths signs in as each kind of demo
// user and opens every page they use at desktop width and at a phone's
// 390 px: axe-core finds no violation and nothing scrolls sideways. With
// PARLEY_SCREENSHOTS set to a folder, it saves a screenshot of each.
func TestBrowserEveryPageAccessibleAtBothWidths(t *testing.T) {
	axe, err := os.ReadFile(filepath.Join("testdata", "axe-core-4.11.1.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	root := browserFor(t, 10*time.Minute)
	if err := chromedp.Do(root); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	shots := os.Getenv("PARLEY_SCREENSHOTS")
	// axe runs: an image without a text alternative is found.
	if err := chromedp.Do(root, chromedp.Navigate(s.url+"/login"), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	evalJS[bool](t, root, `(document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg">'), true)`)
	if bad := checkPage(t, root, string(axe)); len(bad) != 1 || !strings.Contains(bad[0], "image-alt") {
		t.Fatalf("axe on a page with an image lacking alt text reports %q; want image-alt", bad)
	}
	talk := []string{"/inbox", "/talks", "/talks/1", "/talks/1/irritants", "/irritants/1", "/talks/1/rounds", "/rounds/2",
		"/talks/1/joint-statements", "/joint-statements/1", "/joint-statements/1?from=1&to=2", "/notifications", "/account",
		"/talks/1/negotiations", "/negotiations/2", "/negotiations/1", "/rounds/1", "/search?q=staffing&sort=title", "/talks/1/irritants?sort=updated"}
	war := []string{"/inbox", "/talks/2", "/talks/2/irritants", "/talks/2/rounds", "/joint-statements/2", "/notifications",
		"/talks/2/negotiations", "/negotiations/1"}
	for _, tt := range []struct {
		user  string
		pages []string
	}{
		{"", []string{"/login"}},
		{"us-head", talk},
		{"ru-negotiator", []string{"/talks/1/irritants", "/irritants/5", "/joint-statements/1", "/rounds/2", "/inbox"}},
		{"ua-head", war},
		{"sa-host", []string{"/inbox", "/talks/1", "/talks/1/irritants"}},
		{"mediator", war},
		{"demo-admin", []string{"/admin", "/talks"}},
	} {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		if tt.user != "" {
			signInContext(t, ctx, s.url, tt.user, pw[tt.user])
		}
		for _, width := range []struct {
			name string
			w, h int64
		}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width.w, width.h)); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(s.url+p), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
					t.Fatalf("%s opens %s: %v", tt.user, p, err)
				}
				for _, b := range checkPage(t, ctx, string(axe)) {
					t.Errorf("%s, %s, %s: %s", tt.user, width.name, p, b)
				}
				if shots != "" {
					png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
					if err != nil {
						t.Fatal(err)
					}
					name := strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "").Replace(fmt.Sprintf("%s-%s%s.png", tt.user, width.name, p))
					if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		cancel()
	}
}
