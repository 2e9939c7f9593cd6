package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// loadDocument loads and validates openapi.json.
func loadDocument(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	must(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI: %v", err)
	}
	return doc
}

// TestOpenAPIOperations: every operation has an operationId, unique, and
// tags, so that generated clients have names for everything; the document
// states its licence and contact.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadDocument(t)
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, ok := seen[op.OperationID]; ok {
				t.Errorf("%s and %s share the operationId %q", name, other, op.OperationID)
			}
			seen[op.OperationID] = name
			if len(op.Tags) == 0 {
				t.Errorf("%s has no tags", name)
			}
		}
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" || doc.Info.Contact == nil {
		t.Error("the document states no licence or contact")
	}
}

// contract checks every /api/v1 response against the document: its status
// must be declared for the operation, and its body must match the schema.
type contract struct {
	t      *testing.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool // "METHOD /path status"
}

func (c *contract) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())

		req := r.Clone(context.Background())
		req.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := c.router.FindRoute(req)
		if err != nil {
			// Unknown paths answer 404 from the catch-all, which is no operation.
			if rec.Code != http.StatusNotFound {
				c.t.Errorf("%s %s answered %d but is not in openapi.json: %v", r.Method, r.URL.Path, rec.Code, err)
			}
			return
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
			Status:  rec.Code,
			Header:  rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			c.t.Errorf("%s %s answered %d, which openapi.json does not allow: %v\nbody: %.500s", r.Method, r.URL.Path, rec.Code, err, rec.Body.String())
		}
		c.mu.Lock()
		c.seen[fmt.Sprintf("%s %s", route.Method, route.Path)] = true
		c.mu.Unlock()
	})
}

// TestResponsesMatchOpenAPI runs every route as every kind of viewer (the
// authorization matrix) and the error cases of the API contract, and
// validates each response against openapi.json with kin-openapi.
func TestResponsesMatchOpenAPI(t *testing.T) {
	// Files served as they are (a GENIUS domain, a chart) are checked for
	// status and content type only.
	for _, ct := range []string{"application/xml", "image/svg+xml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	doc := loadDocument(t)
	router, err := gorillamux.NewRouter(doc)
	must(t, err)
	c := &contract{t: t, router: router, seen: map[string]bool{}}
	f := newFixtureWrapped(t, c.wrap)
	runMatrix(t, f)

	tok := f.token("same party")
	events := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	for _, tt := range []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
	}{
		{"bad limit", "GET", events + "?limit=0", nil, nil, 400},
		{"bad after", "GET", "/api/v1/talks?after=-1", nil, nil, 400},
		{"body too large", "POST", events, `{"type":"statement","payload":"` + strings.Repeat("x", 2<<20) + `"}`, nil, 413},
		{"first with a key", "POST", events, map[string]any{"type": "statement", "payload": map[string]string{"text": "a"}}, []string{"Idempotency-Key", "c1"}, 201},
		{"replay", "POST", events, map[string]any{"type": "statement", "payload": map[string]string{"text": "a"}}, []string{"Idempotency-Key", "c1"}, 201},
		{"key reused", "POST", events, map[string]any{"type": "statement", "payload": map[string]string{"text": "b"}}, []string{"Idempotency-Key", "c1"}, 422},
		{"token", "POST", "/api/v1/tokens", map[string]string{"name": "ci"}, []string{"Idempotency-Key", "c2"}, 201},
		{"token replay", "POST", "/api/v1/tokens", map[string]string{"name": "ci"}, []string{"Idempotency-Key", "c2"}, 201},
		{"csv page", "GET", fmt.Sprintf("/api/v1/talks/%d/irritants.csv?limit=1", f.talk.ID), nil, nil, 200},
		{"notifications", "GET", "/api/v1/notifications?limit=5", nil, nil, 200},
	} {
		resp, body := f.do(tt.method, tt.path, tok, tt.body, tt.hdr...)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %s %s = %d %.300s, want %d", tt.name, tt.method, tt.path, resp.StatusCode, body, tt.status)
		}
	}
	// An illegal irritant move is 409, as for rounds.
	i := f.irritant("raised")
	if resp, body := f.do("POST", fmt.Sprintf("/api/v1/irritants/%d/moves", i.ID), f.token("same party"), map[string]any{"to": "resolved"}); resp.StatusCode != 409 {
		t.Errorf("illegal irritant move: %d %s, want 409", resp.StatusCode, body)
	}
	// Every route was checked at least once.
	for _, p := range f.srv.Patterns() {
		if !c.seen[p] {
			t.Errorf("no response of %s was checked against the document", p)
		}
	}
}
