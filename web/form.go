package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"parley/app"
	"slices"
	"strings"
	"unicode/utf8"

	"parley"
)

// A form that fails comes back as it was sent: the page is rendered again
// (not redirected to) with the user's input in its fields, each message
// next to the field it is about, and the focus on the first of them. The
// message never travels in the URL.

// formState is a submitted form that failed.
type formState struct {
	// ID is the form's id attribute.
	ID     string
	Values url.Values
	// Errors maps a field's name to its message; "" is the form as a whole.
	Errors map[string]string
	// First is the field the focus goes to.
	First string
}

type failedFormKey struct{}

func formFrom(r *http.Request) *formState {
	f, _ := r.Context().Value(failedFormKey{}).(*formState)
	return f
}

// field is what a template needs to show one field of a form.
type field struct {
	ID        string
	Submitted bool
	Value     string
	Values    []string
	Err       string
	Focus     bool
}

// Or returns the submitted value, or def when the form was not submitted.
func (f field) Or(def string) string {
	if f.Submitted {
		return f.Value
	}
	return def
}

// Has reports whether v was among the submitted values, or def when the
// form was not submitted.
func (f field) Has(v any, def bool) bool {
	if f.Submitted {
		return slices.Contains(f.Values, fmt.Sprint(v))
	}
	return def
}

// Invalid is "true" when the field has a message, for aria-invalid.
func (f field) Invalid() string {
	if f.Err != "" {
		return "true"
	}
	return "false"
}

// fieldOf is the template function field: form is the page's failed form
// (or nil), id the form's id, name the field and elemID its element's id.
func fieldOf(form *formState, id, name, elemID string) field {
	f := field{ID: elemID}
	if form == nil || form.ID != id {
		return f
	}
	f.Submitted, f.Value, f.Values = true, form.Values.Get(name), form.Values[name]
	f.Err = form.Errors[name]
	f.Focus = name == form.First
	return f
}

// formError returns the message for the form as a whole.
func formError(form *formState, id string) string {
	if form == nil || form.ID != id {
		return ""
	}
	return form.Errors[""]
}

// checks collects field messages in form order.
type checks struct {
	errs  map[string]string
	first string
}

func (c *checks) add(name, msg string) {
	if c.errs == nil {
		c.errs = map[string]string{}
	}
	if _, ok := c.errs[name]; ok {
		return
	}
	c.errs[name] = msg
	if c.first == "" {
		c.first = name
	}
}

func (c *checks) ok() bool { return len(c.errs) == 0 }

// text checks that v, the field labelled label, is at most max characters
// and, when required, not blank.
func (c *checks) text(name, label, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case required && strings.TrimSpace(v) == "":
		c.add(name, fmt.Sprintf("Write the %s; it cannot be empty.", label))
	case n > max:
		c.add(name, fmt.Sprintf("The %s is %s characters; the limit is %s.", label, thousands(n), thousands(max)))
	}
}

// thousands writes n with commas: 200,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// formText reads a text field the way a person typed it: the browser's CRLF
// line ends count as one character, as they do in the counter.
func formText(r *http.Request, name string) string {
	return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n"))
}

// userError reports whether err is one a person can act on by changing
// the form; anything else is the server's problem.
func userError(err error) bool {
	switch parley.ErrorCode(err) {
	case parley.EINVALID, parley.ECONFLICT, parley.EFORBIDDEN:
		return true
	}
	return false
}

// refill renders page again for the form id that failed, with c's messages
// or, when c has none, err's message for the whole form. The status is 400
// (409 for a conflict, 403 when not allowed).
func (s *Server) refill(w http.ResponseWriter, r *http.Request, id string, c checks, err error, page handler) error {
	if err != nil && !userError(err) {
		return err
	}
	st := &formState{ID: id, Values: r.PostForm, Errors: c.errs, First: c.first}
	if st.Errors == nil {
		st.Errors = map[string]string{}
	}
	if len(st.Errors) == 0 && err != nil {
		st.Errors[""] = sentence(parley.ErrorMessage(err))
	}
	status := http.StatusBadRequest // the form's own checks failed
	if err != nil {
		status = app.Status(parley.ErrorCode(err))
	}
	ctx := context.WithValue(r.Context(), failedFormKey{}, st)
	ctx = context.WithValue(ctx, statusKey{}, status)
	return page(w, r.WithContext(ctx))
}

type statusKey struct{}

// sentence makes a service's message read as a sentence: a capital letter
// and a full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = strings.ToUpper(string(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// The limits of the fields people type into, in characters, as the
// services enforce them.
const (
	limitTitle       = 300
	limitCategory    = 100
	limitDescription = 20000
	limitComment     = 20000
	limitReason      = 5000
	limitMinutes     = 50000
	limitNote        = 5000
	limitStatement   = 200000
	limitPost        = 20000
)
