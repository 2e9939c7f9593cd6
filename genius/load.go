// Package genius reads and writes negotiation scenarios in the GENIUS XML
// and GeniusWeb JSON formats and turns them into engine domains and
// profiles with GENIUS 10.4 utility semantics.
//
// Every error about the input is an *engine.Error that names the file and,
// where possible, the line and element.
package genius

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"parley/engine"
)

// Scenario is a domain with the profiles of its parties.
type Scenario struct {
	Name         string // the folder name, or the domain's name
	Domain       *engine.Domain
	DomainFile   string
	Format       string // "xml" or "json"
	Profiles     []engine.Profile
	ProfileFiles []string // base names
}

// fileKind classifies a file by its content.
type fileKind int

const (
	kindOther fileKind = iota
	kindDomainXML
	kindProfileXML
	kindDomainJSON
	kindProfileJSON
)

// sniff says what a file holds: XML by its root tag, JSON by its top-level
// key. Well-formed files of another kind are kindOther.
func sniff(name string, b []byte) fileKind {
	k, _ := sniffErr(name, b)
	return k
}

// sniffErr is sniff that also reports why a file is not well-formed XML or
// JSON (pareto.xml and *specials.json are never examined).
func sniffErr(name string, b []byte) (fileKind, error) {
	base := filepath.Base(name)
	if strings.EqualFold(base, "pareto.xml") || strings.HasSuffix(strings.ToLower(base), "specials.json") {
		return kindOther, nil
	}
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] != '<' || strings.EqualFold(filepath.Ext(base), ".json") {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			_, _, err := parseJSON(base, bytes.NewReader(b))
			if err == nil {
				err = engine.Errorf("%s: the top level must be a JSON object", base)
			}
			return kindOther, err
		}
		if _, ok := m["issuesValues"]; ok {
			return kindDomainJSON, nil
		}
		if _, ok := m["LinearAdditiveUtilitySpace"]; ok {
			return kindProfileJSON, nil
		}
		return kindOther, nil
	}
	root, err := parseXML(base, bytes.NewReader(b))
	if err != nil {
		return kindOther, err
	}
	switch root.name {
	case "negotiation_template":
		return kindDomainXML, nil
	case "utility_space":
		return kindProfileXML, nil
	}
	return kindOther, nil
}

// Load reads a scenario from path, a folder or a domain file. Files are
// recognised by content, not by name. With no profiles named, every profile
// in the folder (the domain file's folder) is loaded, sorted by file name;
// otherwise each named profile is a path, or a bare name in that folder.
func Load(path string, profiles ...string) (*Scenario, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dir, domainFile := path, ""
	if !fi.IsDir() {
		dir, domainFile = filepath.Dir(path), path
	}
	type entry struct {
		path string
		kind fileKind
		data []byte
	}
	var entries []entry
	if fi.IsDir() || len(profiles) == 0 {
		des, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			if de.IsDir() || strings.HasPrefix(de.Name(), ".") {
				continue
			}
			ext := strings.ToLower(filepath.Ext(de.Name()))
			if ext != ".xml" && ext != ".json" {
				continue
			}
			p := filepath.Join(dir, de.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			k, err := sniffErr(p, b)
			if err != nil {
				// A broken scenario file should not silently vanish.
				return nil, err
			}
			entries = append(entries, entry{p, k, b})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	sc := &Scenario{}
	var domData []byte
	var domKind fileKind
	if domainFile != "" {
		b, err := os.ReadFile(domainFile)
		if err != nil {
			return nil, err
		}
		if domData, domKind = b, sniff(domainFile, b); domKind == kindOther {
			if _, err := sniffErr(domainFile, b); err != nil {
				return nil, err
			}
		}
		if domKind != kindDomainXML && domKind != kindDomainJSON {
			return nil, engine.Errorf("%s: not a domain: expected an XML <negotiation_template> or a JSON object with \"issuesValues\"", filepath.Base(domainFile))
		}
	} else {
		var found []string
		for _, e := range entries {
			if e.kind == kindDomainXML || e.kind == kindDomainJSON {
				found = append(found, filepath.Base(e.path))
				if domainFile == "" {
					domainFile, domData, domKind = e.path, e.data, e.kind
				}
			}
		}
		if len(found) == 0 {
			return nil, engine.Errorf("%s: no domain file found; a folder needs an XML file with root <negotiation_template> or a JSON file with key \"issuesValues\"", path)
		}
		if len(found) > 1 {
			return nil, engine.Errorf("%s: %d domain files (%s); load one of them by naming it", path, len(found), strings.Join(found, ", "))
		}
	}
	sc.DomainFile = filepath.Base(domainFile)
	if domKind == kindDomainXML {
		sc.Format = "xml"
		sc.Domain, err = ReadDomainXML(bytes.NewReader(domData), sc.DomainFile)
	} else {
		sc.Format = "json"
		sc.Domain, err = ReadDomainJSON(bytes.NewReader(domData), sc.DomainFile)
	}
	if err != nil {
		return nil, err
	}
	sc.Name = filepath.Base(dir)
	if fi.IsDir() {
		sc.Name = filepath.Base(filepath.Clean(path))
	} else if sc.Domain.Name != "" {
		sc.Name = sc.Domain.Name
	}
	type pfile struct {
		path string
		data []byte
		kind fileKind
	}
	var pfs []pfile
	if len(profiles) == 0 {
		for _, e := range entries {
			if e.kind == kindProfileXML || e.kind == kindProfileJSON {
				pfs = append(pfs, pfile{e.path, e.data, e.kind})
			}
		}
	} else {
		for _, p := range profiles {
			b, err := os.ReadFile(p)
			if err != nil && !strings.ContainsAny(p, `/\`) {
				if b2, err2 := os.ReadFile(filepath.Join(dir, p)); err2 == nil {
					p, b, err = filepath.Join(dir, p), b2, nil
				}
			}
			if err != nil {
				return nil, err
			}
			k, err := sniffErr(p, b)
			if err != nil {
				return nil, err
			}
			if k != kindProfileXML && k != kindProfileJSON {
				return nil, engine.Errorf("%s: not a profile: expected an XML <utility_space> or a JSON object with \"LinearAdditiveUtilitySpace\"", filepath.Base(p))
			}
			pfs = append(pfs, pfile{p, b, k})
		}
	}
	for _, pf := range pfs {
		base := filepath.Base(pf.path)
		var p engine.Profile
		if pf.kind == kindProfileXML {
			p, err = ReadProfileXML(bytes.NewReader(pf.data), base, sc.Domain)
		} else {
			p, err = ReadProfileJSON(bytes.NewReader(pf.data), base, sc.Domain)
		}
		if err != nil {
			var ee *engine.Error
			if errors.As(err, &ee) {
				return nil, engine.Errorf("%v (domain file %s)", err, sc.DomainFile)
			}
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		sc.Profiles = append(sc.Profiles, p)
		sc.ProfileFiles = append(sc.ProfileFiles, base)
	}
	return sc, nil
}
