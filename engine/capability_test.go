package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand"
	"reflect"
	"testing"
)

// TestAgentViewForwardsEveryCapability: every method of every optional
// capability declared in capability.go is forwarded by agentView's views,
// and a view of a hyperrectangle profile (which has them all) answers each
// as the profile does.
func TestAgentViewForwardsEveryCapability(t *testing.T) {
	fset := token.NewFileSet()
	capFile, err := parser.ParseFile(fset, "capability.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	caps := map[string][]string{} // interface → methods
	ast.Inspect(capFile, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if it, ok := ts.Type.(*ast.InterfaceType); ok {
				for _, m := range it.Methods.List {
					for _, name := range m.Names {
						caps[ts.Name.Name] = append(caps[ts.Name.Name], name.Name)
					}
				}
			}
		}
		return true
	})
	viewFile, err := parser.ParseFile(fset, "saop.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	forwarded := map[string]bool{}
	for _, d := range viewFile.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok && (id.Name == "profileView" || id.Name == "boundedView") {
				forwarded[fd.Name.Name] = true
			}
		}
	}
	if len(caps) < 6 {
		t.Fatalf("found %d capabilities in capability.go: %v", len(caps), caps)
	}
	for c, ms := range caps {
		for _, m := range ms {
			if !forwarded[m] {
				t.Errorf("capability %s: method %s is not forwarded by the agent's view", c, m)
			}
		}
	}

	// Each capability, asked through the view and of the profile itself.
	rng := rand.New(rand.NewSource(1))
	d := &Domain{Name: "v", Issues: []Issue{{Name: "a", Kind: Integer, Upper: 3}, {Name: "b", Kind: Integer, Upper: 2}}}
	hr := randomHRFull(rng, d, "hr", false, false)
	v := agentView(hr)
	lo, hi := []int{0, 0}, []int{3, 2}
	check := map[string]func() (got, want any){
		"Bounder": func() (any, any) {
			a, b := v.(Bounder).Bounds(lo, hi)
			c, e := hr.Bounds(lo, hi)
			return [2]float64{a, b}, [2]float64{c, e}
		},
		"Splitter": func() (any, any) {
			s1, s2 := make([]float64, 2), make([]float64, 2)
			v.(Splitter).SplitScores(lo, hi, s1)
			hr.SplitScores(lo, hi, s2)
			return s1, s2
		},
		"Decomposer": func() (any, any) {
			f1, m1, ok1 := v.(Decomposer).Decompose()
			f2, m2, ok2 := hr.Decompose()
			return []any{f1, m1, ok1}, []any{f2, m2, ok2}
		},
		"summer": func() (any, any) {
			m1, ok1 := v.(summer).sumMax()
			m2, ok2 := hr.sumMax()
			return []any{m1, ok1}, []any{m2, ok2}
		},
		"boxer": func() (any, any) {
			b1, k1, ok1 := v.(boxer).inclusiveBoxes(2)
			b2, k2, ok2 := hr.inclusiveBoxes(2)
			return []any{b1, k1, ok1}, []any{b2, k2, ok2}
		},
		"pooler": func() (any, any) {
			return v.(pooler).outcomePool(), hr.outcomePool()
		},
	}
	for c := range caps {
		f, ok := check[c]
		if !ok {
			t.Errorf("capability %s has no check here; add one", c)
			continue
		}
		if got, want := f(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s through the view: %v; the profile: %v", c, got, want)
		}
	}
	// A profile that cannot bound its utility gets a view that cannot either.
	if _, ok := agentView(opaque{}).(Bounder); ok {
		t.Error("the view of a profile without bounds claims to bound its utility")
	}
}
