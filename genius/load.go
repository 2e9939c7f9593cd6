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
// key. Unrecognised content is kindOther.
func sniff(name string, b []byte) fileKind {
	base := filepath.Base(name)
	if strings.EqualFold(base, "pareto.xml") || strings.HasSuffix(strings.ToLower(base), "specials.json") {
		return kindOther
	}
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	if len(t) > 0 && t[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return kindOther
		}
		if _, ok := m["issuesValues"]; ok {
			return kindDomainJSON
		}
		if _, ok := m["LinearAdditiveUtilitySpace"]; ok {
			return kindProfileJSON
		}
		return kindOther
	}
	root, err := parseXML(name, bytes.NewReader(b))
	if err != nil {
		return kindOther
	}
	switch root.name {
	case "negotiation_template":
		return kindDomainXML
	case "utility_space":
		return kindProfileXML
	}
	return kindOther
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
			entries = append(entries, entry{p, sniff(p, b), b})
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
		domData, domKind = b, sniff(domainFile, b)
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
			k := sniff(p, b)
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
