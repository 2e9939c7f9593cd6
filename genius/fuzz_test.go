package genius

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/engine"
)

// seedFiles adds every corpus file with the given extension whose content
// is of kind k.
func seedFiles(f *testing.F, ext string, k fileKind) [][]byte {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join(corpus, "*", "*"+ext))
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if sniff(p, b) == k && len(b) < 64<<10 {
			out = append(out, b)
		}
	}
	return out
}

// requireInputError fails unless err is an *engine.Error.
func requireInputError(t *testing.T, err error) {
	t.Helper()
	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T) is not an *engine.Error", err, err)
	}
}

func FuzzReadDomainXML(f *testing.F) {
	for _, b := range seedFiles(f, ".xml", kindDomainXML) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadDomainXML(bytes.NewReader(data), "f.xml")
		if err != nil {
			requireInputError(t, err)
			return
		}
		var b bytes.Buffer
		if err := WriteDomainXML(&b, d); err != nil {
			t.Fatal(err)
		}
		d2, err := ReadDomainXML(&b, "g.xml")
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if diff := diffDomain(d, d2); diff != "" {
			t.Fatal(diff)
		}
	})
}

func FuzzReadProfileXML(f *testing.F) {
	for _, b := range seedFiles(f, ".xml", kindProfileXML) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadProfileXML(bytes.NewReader(data), "f.xml", nil)
		if err != nil {
			requireInputError(t, err)
			return
		}
		var b bytes.Buffer
		if err := WriteProfileXML(&b, p); err != nil {
			requireInputError(t, err)
			return
		}
		p2, err := ReadProfileXML(bytes.NewReader(b.Bytes()), "f.xml", nil)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, b.String())
		}
		if diff := diffProfile(p, p2); diff != "" {
			t.Fatal(diff)
		}
		for _, o := range sampleOutcomes(p.Domain(), 20, 1) {
			if u1, u2 := p.Utility(o), p2.Utility(o); u1 != u2 && !(u1 != u1 && u2 != u2) {
				t.Fatalf("U(%v) = %v then %v", o, u1, u2)
			}
		}
	})
}

func FuzzReadDomainJSON(f *testing.F) {
	for _, b := range seedFiles(f, ".json", kindDomainJSON) {
		f.Add(b)
	}
	f.Add([]byte(`{"name": "r", "issuesValues": {"a": {"range": {"low": 0, "high": 10, "step": 1}}, "b": {"range": {"low": 0, "high": 1, "step": 0.25}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadDomainJSON(bytes.NewReader(data), "f.json")
		if err != nil {
			requireInputError(t, err)
			return
		}
		var b bytes.Buffer
		if err := WriteDomainJSON(&b, d); err != nil {
			t.Fatal(err)
		}
		d2, err := ReadDomainJSON(&b, "g.json")
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if diff := diffDomain(d, d2); diff != "" {
			t.Fatal(diff)
		}
	})
}

func FuzzReadProfileJSON(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*"))
	for _, dir := range dirs {
		des, _ := os.ReadDir(dir)
		var dom []byte
		var profs [][]byte
		for _, de := range des {
			if !strings.HasSuffix(de.Name(), ".json") {
				continue
			}
			p := filepath.Join(dir, de.Name())
			b, _ := os.ReadFile(p)
			switch sniff(p, b) {
			case kindDomainJSON:
				dom = b
			case kindProfileJSON:
				profs = append(profs, b)
			}
		}
		for _, p := range profs {
			f.Add(dom, p)
		}
	}
	f.Fuzz(func(t *testing.T, domain, profile []byte) {
		d, err := ReadDomainJSON(bytes.NewReader(domain), "d.json")
		if err != nil {
			d = nil
		}
		p, err := ReadProfileJSON(bytes.NewReader(profile), "p.json", d)
		if err != nil {
			requireInputError(t, err)
			return
		}
		var b bytes.Buffer
		if err := WriteProfileJSON(&b, p); err != nil {
			t.Fatal(err)
		}
		p2, err := ReadProfileJSON(bytes.NewReader(b.Bytes()), "p.json", nil)
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, b.String())
		}
		if diff := diffProfile(p, p2); diff != "" {
			t.Fatal(diff)
		}
	})
}
