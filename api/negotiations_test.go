package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley"
	"parley/engine"
	"parley/genius"
)

// stage is how far a fixture negotiation has gone.
type stage int

const (
	drafting stage = iota
	eliciting
	entered // eliciting, and US, RU and UA have saved preferences
	mediating
	texted // mediating with a first text
	agreed
	disclosed
)

var negIssues = []parley.NegotiationIssue{
	{Name: "Staffing", Options: []string{"Cut", "Freeze", "Restore"}},
	{Name: "Visas", Options: []string{"Restricted", "Normal"}},
}

func negPrefs(a, b float64) *parley.Preferences {
	return &parley.Preferences{
		Weights:     map[string]float64{"Staffing": a, "Visas": b},
		Scores:      map[string]map[string]float64{"Staffing": {"Cut": 0, "Freeze": 50, "Restore": 100}, "Visas": {"Restricted": 100 - a, "Normal": a}},
		Reservation: 0.2,
	}
}

// negotiation makes a fresh negotiation in f's talk at stage s.
func (f *fixture) negotiation(s stage) *parley.Negotiation {
	f.t.Helper()
	ctx := f.t.Context()
	med := parley.NewContextWithUser(ctx, f.users["mediator"])
	n := &parley.Negotiation{TalkID: f.talk.ID, Title: "Embassy operations", Issues: negIssues}
	must(f.t, f.db.CreateNegotiation(med, n))
	step := func(at stage, do func()) {
		if s >= at {
			do()
		}
	}
	step(eliciting, func() {
		_, err := f.db.MoveNegotiation(med, n.ID, parley.NegotiationEliciting)
		must(f.t, err)
	})
	step(entered, func() {
		_, err := f.db.SavePreferences(parley.NewContextWithUser(ctx, f.users["us head"]), n.ID, negPrefs(70, 30), s >= mediating)
		must(f.t, err)
		_, err = f.db.SavePreferences(parley.NewContextWithUser(ctx, f.users["other party"]), n.ID, negPrefs(30, 70), s >= mediating)
		must(f.t, err)
		_, err = f.db.SavePreferences(parley.NewContextWithUser(ctx, f.users["stakeholder"]), n.ID, &parley.Preferences{Excluded: map[string][]string{"Staffing": {"Cut"}}}, s >= mediating)
		must(f.t, err)
	})
	step(mediating, func() {
		_, err := f.db.MoveNegotiation(med, n.ID, parley.NegotiationMediating)
		must(f.t, err)
	})
	step(texted, func() {
		_, err := f.srv.Mediator.ProposeText(med, n.ID)
		must(f.t, err)
	})
	step(agreed, func() {
		for _, k := range []string{"us head", "other party"} {
			_, err := f.db.MarkText(parley.NewContextWithUser(ctx, f.users[k]), n.ID, 1, parley.MarkAccept, "", false)
			must(f.t, err)
		}
	})
	step(disclosed, func() {
		for _, k := range []string{"us head", "other party"} {
			_, err := f.db.ConsentToDisclose(parley.NewContextWithUser(ctx, f.users[k]), n.ID)
			must(f.t, err)
		}
	})
	return n
}

func onNegotiation(suffix string, s stage, body func(viewer string) any) func(*fixture, string, string) call {
	return func(f *fixture, v, _ string) call {
		var b any
		if body != nil {
			b = body(v)
		}
		return call{fmt.Sprintf("/api/v1/negotiations/%d%s", f.negotiation(s).ID, suffix), b}
	}
}

func constBody(b any) func(string) any { return func(string) any { return b } }

var (
	members     = []string{"same party", "other party"}
	delegations = []string{"same party", "other party", "stakeholder"}
)

// negotiationMatrix is the authorization of the negotiation routes.
var negotiationMatrix = map[string]entry{
	"GET /api/v1/talks/{id}/negotiations":       {onTalk("/negotiations", nil), inTalk},
	"POST /api/v1/talks/{id}/negotiations":      {onTalk("/negotiations", map[string]any{"title": "Flights", "issues": negIssues}), organisers},
	"GET /api/v1/negotiations/{id}":             {onNegotiation("", texted, nil), inTalk},
	"PUT /api/v1/negotiations/{id}/issues":      {onNegotiation("/issues", drafting, constBody(map[string]any{"issues": negIssues[:1]})), organisers},
	"GET /api/v1/negotiations/{id}/domain.xml":  {onNegotiation("/domain.xml", eliciting, nil), inTalk},
	"POST /api/v1/negotiations/{id}/moves":      {onNegotiation("/moves", drafting, constBody(map[string]any{"to": "eliciting"})), organisers},
	"GET /api/v1/negotiations/{id}/preferences": {onNegotiation("/preferences", entered, nil), delegations},
	"PUT /api/v1/negotiations/{id}/preferences": {onNegotiation("/preferences", eliciting, func(v string) any {
		if v == "stakeholder" {
			return map[string]any{"preferences": map[string]any{"excluded": map[string][]string{"Visas": {"Normal"}}}}
		}
		return map[string]any{"preferences": negPrefs(50, 50), "submit": true}
	}), delegations},
	"POST /api/v1/negotiations/{id}/texts":       {onNegotiation("/texts", mediating, constBody(map[string]any{"kind": "engine"})), []string{"mediator"}},
	"POST /api/v1/negotiations/{id}/assessments": {onNegotiation("/assessments", mediating, constBody(map[string]any{"outcome": map[string]string{"Staffing": "Freeze", "Visas": "Normal"}})), []string{"mediator"}},
	"POST /api/v1/negotiations/{id}/marks":       {onNegotiation("/marks", texted, constBody(map[string]any{"version": 1, "mark": "live_with"})), members},
	"POST /api/v1/negotiations/{id}/statement":   {onNegotiation("/statement", agreed, nil), organisers},
	"POST /api/v1/negotiations/{id}/disclosures": {onNegotiation("/disclosures", agreed, nil), members},
	"GET /api/v1/negotiations/{id}/analysis":     {onNegotiation("/analysis", disclosed, nil), members},
	"GET /api/v1/negotiations/{id}/analysis.svg": {onNegotiation("/analysis.svg", disclosed, nil), members},
}

// readFile reads a testdata file relative to the repository root.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", path))
	must(t, err)
	return string(b)
}

// TestNegotiationFromGeniusFiles imports a GENIUS domain as a negotiation,
// uploads the two profiles as the two member parties, and checks that the
// mediator's first text is the Nash point `parley analyze` finds for the
// same files — and the Kalai–Smorodinsky point when that is chosen.
func TestNegotiationFromGeniusFiles(t *testing.T) {
	dir := "testdata/domains/anac2010-EnglandZimbabwe"
	sc, err := genius.Load(filepath.Join("..", dir))
	must(t, err)
	a, err := engine.Analyze(sc.Profiles, engine.AnalyzeOptions{})
	must(t, err)
	for _, tc := range []struct {
		solution string
		want     *engine.Point
	}{{"nash", a.Nash}, {"ks", a.KalaiSmorodinsky}} {
		t.Run(tc.solution, func(t *testing.T) {
			f := newFixture(t)
			med, us, ru := f.token("mediator"), f.token("us head"), f.token("other party")
			resp, body := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/negotiations", f.talk.ID), med,
				map[string]any{"domain": readFile(t, dir+"/EnglandZimbabwe_domain.xml"), "solution": tc.solution})
			if resp.StatusCode != 201 {
				t.Fatalf("import: %d %s", resp.StatusCode, body)
			}
			var n parley.Negotiation
			must(t, json.Unmarshal(body, &n))
			if len(n.Issues) != len(sc.Domain.Issues) || n.Title == "" {
				t.Fatalf("imported %+v", n)
			}
			path := fmt.Sprintf("/api/v1/negotiations/%d", n.ID)
			if resp, body := f.do("POST", path+"/moves", med, map[string]any{"to": "eliciting"}); resp.StatusCode != 200 {
				t.Fatalf("eliciting: %d %s", resp.StatusCode, body)
			}
			// The exported domain reads back as the same domain.
			resp, body = f.do("GET", path+"/domain.xml", ru, nil)
			d, err := genius.ReadDomainXML(strings.NewReader(string(body)), "export")
			must(t, err)
			if resp.StatusCode != 200 || engine.SameDomain(sc.Domain, d) != nil {
				t.Errorf("exported domain: %d, %v", resp.StatusCode, engine.SameDomain(sc.Domain, d))
			}
			// A profile for another domain is refused with the element named.
			resp, body = f.do("PUT", path+"/preferences", us, map[string]any{"profile_file": readFile(t, "testdata/domains/anac2011-Grocery/Grocery_domain_mary.xml"), "submit": true})
			if resp.StatusCode != 400 || !strings.Contains(string(body), "profile_file") {
				t.Errorf("a profile of another domain: %d %s; want 400 naming profile_file", resp.StatusCode, body)
			}
			for tok, file := range map[string]string{us: "England.xml", ru: "Zimbabwe.xml"} {
				resp, body := f.do("PUT", path+"/preferences", tok, map[string]any{"profile_file": readFile(t, dir+"/"+file), "submit": true})
				if resp.StatusCode != 200 || strings.Contains(string(body), "weights") {
					t.Fatalf("upload %s: %d %s", file, resp.StatusCode, body)
				}
			}
			if resp, body := f.do("POST", path+"/moves", med, map[string]any{"to": "mediating"}); resp.StatusCode != 200 {
				t.Fatalf("mediating: %d %s", resp.StatusCode, body)
			}
			resp, body = f.do("POST", path+"/texts", med, map[string]any{"kind": "engine"})
			if resp.StatusCode != 201 {
				t.Fatalf("text: %d %s", resp.StatusCode, body)
			}
			var got struct{ Negotiation parley.Negotiation }
			must(t, json.Unmarshal(body, &got))
			text := got.Negotiation.Current()
			want := sc.Domain.Names(tc.want.Outcome)
			if !maps.Equal(text.Outcome, want) || !text.ParetoOptimal || text.Solution != tc.solution {
				t.Errorf("the mediator's text %v (pareto %v, %s); parley analyze's %s point is %v", text.Outcome, text.ParetoOptimal, text.Solution, tc.solution, want)
			}
			// Each member sees its own utility for the text, the mediator none.
			for tok, i := range map[string]int{us: 0, ru: 1} {
				resp, body := f.do("GET", path, tok, nil)
				var v struct {
					Mine map[string]parley.PartyView `json:"mine"`
				}
				must(t, json.Unmarshal(body, &v))
				if resp.StatusCode != 200 || engine.Round(v.Mine["1"].Utility) != engine.Round(tc.want.Utilities[i]) {
					t.Errorf("party %d sees utility %v for the text; want %v", i, v.Mine["1"], tc.want.Utilities[i])
				}
			}
			_, body = f.do("GET", path, med, nil)
			if strings.Contains(string(body), `"mine"`) || strings.Contains(string(body), "utility") {
				t.Errorf("the mediator's view holds utilities: %s", body)
			}
		})
	}
}

// TestNegotiationBadInput checks that bad bodies name the field and store nothing.
func TestNegotiationBadInput(t *testing.T) {
	f := newFixture(t)
	med, us := f.token("mediator"), f.token("us head")
	n := f.negotiation(eliciting)
	path := fmt.Sprintf("/api/v1/negotiations/%d", n.ID)
	for name, tc := range map[string]struct {
		method, path, tok string
		body              any
		status            int
		field             string
	}{
		"weight NaN":        {"PUT", "/preferences", us, `{"preferences":{"weights":{"Staffing":"NaN"}}}`, 400, "request body"},
		"weight negative":   {"PUT", "/preferences", us, map[string]any{"preferences": map[string]any{"weights": map[string]float64{"Staffing": -1, "Visas": 1}, "scores": negPrefs(1, 1).Scores}}, 400, `weights["Staffing"]`},
		"missing option":    {"PUT", "/preferences", us, map[string]any{"preferences": map[string]any{"weights": map[string]float64{"Staffing": 1, "Visas": 1}, "scores": map[string]any{"Staffing": map[string]float64{"Cut": 1}, "Visas": map[string]float64{"Normal": 1, "Restricted": 0}}}}, 400, `scores["Staffing"]["Freeze"]`},
		"not a profile":     {"PUT", "/preferences", us, map[string]any{"profile_file": "hello"}, 400, "profile_file"},
		"frozen issues":     {"PUT", "/issues", med, map[string]any{"issues": negIssues}, 409, "frozen"},
		"unknown move":      {"POST", "/moves", med, map[string]any{"to": "agreed"}, 400, "to:"},
		"text too early":    {"POST", "/texts", med, map[string]any{"kind": "engine"}, 409, "while mediating"},
		"bad kind":          {"POST", "/texts", med, map[string]any{"kind": "magic"}, 400, "kind"},
		"unknown option":    {"POST", "/assessments", med, map[string]any{"outcome": map[string]string{"Staffing": "Double", "Visas": "Normal"}}, 400, "not an option"},
		"mark without text": {"POST", "/marks", us, map[string]any{"version": 1, "mark": "accept"}, 409, "no text"},
	} {
		resp, body := f.do(tc.method, path+tc.path, tc.tok, tc.body)
		var e struct {
			Error struct{ Message string }
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != tc.status || !strings.Contains(e.Error.Message, tc.field) {
			t.Errorf("%s: %d %s; want %d naming %s", name, resp.StatusCode, body, tc.status, tc.field)
		}
	}
	if _, err := f.db.MyPreferences(parley.NewContextWithUser(t.Context(), f.users["us head"]), n.ID); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("refused saves stored preferences: %v", err)
	}
}

// TestNegotiationImprovementThroughAPI agrees on a hand-written text that
// leaves room for both sides, asks for its improvement, and has it adopted;
// a second request says no improvement exists.
func TestNegotiationImprovementThroughAPI(t *testing.T) {
	f := newFixture(t)
	med, us, ru := f.token("mediator"), f.token("us head"), f.token("other party")
	n := f.negotiation(mediating)
	path := fmt.Sprintf("/api/v1/negotiations/%d", n.ID)
	// A text both accept but that is not efficient: Freeze + Restricted.
	resp, body := f.do("POST", path+"/texts", med, map[string]any{"kind": "manual", "base": 0, "outcome": map[string]string{"Staffing": "Freeze", "Visas": "Restricted"}})
	var r struct {
		Assessment parley.Assessment
	}
	must(t, json.Unmarshal(body, &r))
	if resp.StatusCode != 201 || !r.Assessment.Acceptable || !r.Assessment.Improvable {
		t.Fatalf("manual text: %d %s; want acceptable and improvable", resp.StatusCode, body)
	}
	for _, tok := range []string{us, ru} {
		if resp, body := f.do("POST", path+"/marks", tok, map[string]any{"version": 1, "mark": "accept"}); resp.StatusCode != 200 {
			t.Fatalf("mark: %d %s", resp.StatusCode, body)
		}
	}
	resp, body = f.do("POST", path+"/texts", med, map[string]any{"kind": "improvement"})
	if resp.StatusCode != 201 {
		t.Fatalf("improvement: %d %s", resp.StatusCode, body)
	}
	for _, tok := range []string{us, ru} {
		if resp, body := f.do("POST", path+"/marks", tok, map[string]any{"version": 2, "mark": "accept"}); resp.StatusCode != 200 {
			t.Fatalf("mark improvement: %d %s", resp.StatusCode, body)
		}
	}
	_, body = f.do("GET", path, us, nil)
	var v struct{ Negotiation parley.Negotiation }
	must(t, json.Unmarshal(body, &v))
	if v.Negotiation.Agreed != 2 || v.Negotiation.State != parley.NegotiationAgreed {
		t.Errorf("after the improvement was accepted: agreed %d, state %s; want version 2 agreed", v.Negotiation.Agreed, v.Negotiation.State)
	}
	resp, body = f.do("POST", path+"/texts", med, map[string]any{"kind": "improvement"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "No improvement exists") {
		t.Errorf("second improvement: %d %s; want no improvement", resp.StatusCode, body)
	}
}
