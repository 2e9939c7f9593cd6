package genius

import (
	"bytes"
	"errors"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/engine"
)

const corpus = "../testdata/domains"

// expectedFailures lists corpus folders that must fail to load (with every
// profile), and a fragment of the error.
var expectedFailures = map[string]string{
	// The dealer's Price issue has no evaluator; GENIUS's EvaluatorReal would
	// dereference its null function type.
	"genius-2nd_hand_car": `car_dealer.xml: line 88: <issue type="price" index="6" name="Price">: real issue "Price" has no <evaluator>`,
	// GENIUS itself cannot load this file: its rank items have no value and
	// its zeroConstraints no index.
	"genius-Railway": `Copy of MinisterProfile.xml: line 74: <item index="1">: rank item has no value attribute`,
}

func corpusFolders(tb testing.TB) []string {
	tb.Helper()
	des, err := os.ReadDir(corpus)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if de.IsDir() {
			out = append(out, de.Name())
		}
	}
	if len(out) != 170 {
		tb.Fatalf("found %d corpus folders, want 170", len(out))
	}
	return out
}

func TestLoadCorpus(t *testing.T) {
	for _, name := range corpusFolders(t) {
		t.Run(name, func(t *testing.T) {
			sc, err := Load(filepath.Join(corpus, name))
			if want, ok := expectedFailures[name]; ok {
				var ee *engine.Error
				if err == nil || !errors.As(err, &ee) || !strings.Contains(err.Error(), want) {
					t.Fatalf("Load: got error %v, want an *engine.Error containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(sc.Profiles) == 0 {
				t.Fatalf("no profiles")
			}
			checkRoundTrip(t, sc)
		})
	}
}

// sampleOutcomes returns up to n outcomes of d: random ones plus the first.
func sampleOutcomes(d *engine.Domain, n int, seed int64) []engine.Outcome {
	r := rand.New(rand.NewSource(seed))
	out := []engine.Outcome{make(engine.Outcome, len(d.Issues))}
	for len(out) < n {
		o := make(engine.Outcome, len(d.Issues))
		for i := range o {
			o[i] = r.Intn(d.Issues[i].NumValues())
		}
		out = append(out, o)
	}
	return out
}

// checkRoundTrip writes the scenario in its own format, reads it back and
// requires the same domain and profiles; it also converts linear additive
// XML scenarios to JSON and compares utilities.
func checkRoundTrip(t *testing.T, sc *Scenario) {
	t.Helper()
	var b bytes.Buffer
	var d2 *engine.Domain
	var err error
	if sc.Format == "xml" {
		if err := WriteDomainXML(&b, sc.Domain); err != nil {
			t.Fatal(err)
		}
		d2, err = ReadDomainXML(bytes.NewReader(b.Bytes()), "rt-"+sc.DomainFile)
	} else {
		if err := WriteDomainJSON(&b, sc.Domain); err != nil {
			t.Fatal(err)
		}
		d2, err = ReadDomainJSON(bytes.NewReader(b.Bytes()), "rt-"+sc.DomainFile)
	}
	if err != nil {
		t.Fatalf("re-reading domain: %v\n%s", err, b.String())
	}
	if diff := diffDomain(sc.Domain, d2); diff != "" {
		t.Fatalf("domain round trip: %s", diff)
	}
	for k, p := range sc.Profiles {
		b.Reset()
		var p2 engine.Profile
		if sc.Format == "xml" {
			if err := WriteProfileXML(&b, p); err != nil {
				t.Fatal(err)
			}
			p2, err = ReadProfileXML(bytes.NewReader(b.Bytes()), sc.ProfileFiles[k], d2)
		} else {
			if err := WriteProfileJSON(&b, p); err != nil {
				t.Fatal(err)
			}
			p2, err = ReadProfileJSON(bytes.NewReader(b.Bytes()), sc.ProfileFiles[k], d2)
		}
		if err != nil {
			t.Fatalf("re-reading %s: %v\n%s", sc.ProfileFiles[k], err, b.String())
		}
		if diff := diffProfile(p, p2); diff != "" {
			t.Fatalf("%s round trip: %s", sc.ProfileFiles[k], diff)
		}
		for _, o := range sampleOutcomes(sc.Domain, 200, int64(k)) {
			if u1, u2 := p.Utility(o), p2.Utility(o); u1 != u2 {
				t.Fatalf("%s round trip: U(%v) = %v, then %v", sc.ProfileFiles[k], o, u1, u2)
			}
		}
		if la, ok := p.(*engine.LinearAdditive); ok && sc.Format == "xml" && !sc.Domain.HasReal() {
			checkJSONConversion(t, sc.ProfileFiles[k], la)
		}
	}
}

// checkJSONConversion writes an XML profile as GeniusWeb JSON (without the
// reservation value and discount, which JSON cannot hold) and compares
// utilities where the conversion is lossless.
func checkJSONConversion(t *testing.T, file string, la *engine.LinearAdditive) {
	t.Helper()
	q := *la
	q.ReservationValue, q.Discount = 0, 0
	if err := q.Compile(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteProfileJSON(&b, &q); err != nil {
		if strings.Contains(err.Error(), "cannot express") {
			return // clamped integer evaluator: not lossless
		}
		t.Fatalf("%s to JSON: %v", file, err)
	}
	p2, err := ReadProfileJSON(bytes.NewReader(b.Bytes()), file+".json", nil)
	if err != nil {
		t.Fatalf("%s as JSON: %v\n%s", file, err, b.String())
	}
	for _, o := range sampleOutcomes(la.Dom, 200, 7) {
		if u1, u2 := la.Utility(o), p2.Utility(o); math.Abs(u1-u2) > 1e-12 {
			t.Fatalf("%s as JSON: U(%v) = %v, was %v", file, o, u2, u1)
		}
	}
}
