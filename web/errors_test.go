package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"parley"
	"strings"
	"testing"
)

// TestPagesAnswerAsTheAPIDoes: a page's error has the status the JSON API
// gives the same error (one table in package app): a database that does not
// answer is 503 with Retry-After and a message to retry, not a 500.
func TestPagesAnswerAsTheAPIDoes(t *testing.T) {
	s := newSite(t)
	s.app.Unavailable = func(err error) bool { return strings.Contains(err.Error(), "closed") }
	must(t, s.db.Close())
	// Setting up needs no session, so the page itself meets the database.
	c := s.browser()
	form := url.Values{"token": {"any"}, "name": {"first-admin"}, "password": {"a long enough password"}}
	resp, err := c.PostForm(s.url+"/setup", form)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	body := string(b)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "database is not answering") {
		t.Errorf("setup with the database down: %d, Retry-After %q, %.300s; want 503 with Retry-After and a message to retry",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestFormKeyOfAnotherFormShowsThePageAgain: the forms of one page may share
// a one-time key; once one of them has acted, another sent with the same
// key does not act and leads back to the page it came from.
func TestFormKeyOfAnotherFormShowsThePageAgain(t *testing.T) {
	s := newSite(t)
	us := s.signIn("us")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	_, page := s.get(us, talkPath)
	csrf := csrfOf(page)
	const key = "one-key-for-the-page"
	if code, loc := s.post(us, talkPath+"/statements", url.Values{"text": {"first"}, "csrf": {csrf}, "form_key": {key}}); code != 303 || !strings.HasPrefix(loc, talkPath) {
		t.Fatalf("first form: %d %.200s; want 303 to the talk", code, loc)
	}
	lastSeq := func() int64 {
		t.Helper()
		tk, err := s.db.FindTalkByID(parley.NewContextWithUser(t.Context(), s.us), s.talk.ID)
		must(t, err)
		return tk.LastSeq
	}
	acted := lastSeq()
	req, err := http.NewRequest("POST", s.url+talkPath+"/signoffs", strings.NewReader(url.Values{"seq": {"1"}, "csrf": {csrf}, "form_key": {key}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", s.url+talkPath+"?tab=activity")
	resp, err := us.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != talkPath+"?tab=activity" {
		t.Errorf("second form with the first's key: %d to %q; want 303 back to %s?tab=activity", resp.StatusCode, resp.Header.Get("Location"), talkPath)
	}
	if n := lastSeq(); n != acted {
		t.Errorf("the talk has %d events after the second form, %d after the first: the second acted although its key was used", n, acted)
	}
}

// TestMiddlewareErrorsOnPagesArePages: an error the middleware finds before
// any page is chosen — here a form whose CSRF token is missing, as after a
// session changed — is answered to a browser as a page saying what to do,
// not as the API's JSON; the API keeps its JSON.
func TestMiddlewareErrorsOnPagesArePages(t *testing.T) {
	s := newSite(t)
	c := s.signIn("us")
	resp, err := c.PostForm(s.url+fmt.Sprintf("/talks/%d/irritants", s.talk.ID), url.Values{"title": {"A title"}})
	must(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	must(t, err)
	if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(b), "reload the page and try again") || strings.Contains(string(b), `"error"`) {
		t.Errorf("a form without its CSRF token: %d %s, %.300s; want 403 as a page saying to reload", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+fmt.Sprintf("/api/v1/talks/%d/irritants", s.talk.ID), strings.NewReader(`{"title":"A title"}`))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err = c.Do(req)
	must(t, err)
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	must(t, err)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), `"error"`) {
		t.Errorf("the API without a CSRF token: %d %.300s; want 403 in JSON", resp.StatusCode, b)
	}
}
