package plot

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestWriteIsWellFormedSVG(t *testing.T) {
	panels := []Panel{{
		Title: "a vs b <&>", XLabel: "u(a)", YLabel: "u(b)",
		Series:  []Series{{Name: "Pareto frontier", Color: "blue", Line: true, Points: [][2]float64{{1, 0}, {0.6, 0.7}, {0, 1}}}},
		Markers: []Marker{{Name: "Nash", Color: "red", Shape: "diamond", X: 0.6, Y: 0.7}, {Name: "Max welfare", Color: "green", Shape: "square", X: 0.6, Y: 0.7}},
		VLines:  []Line{{Name: "reservation values", Color: "red", At: 0.3}},
		HLines:  []Line{{Name: "reservation values", Color: "red", At: 0.2}},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, "title", panels, 1); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	elems := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
		}
		if se, ok := tok.(xml.StartElement); ok {
			elems[se.Name.Local]++
		}
	}
	if elems["svg"] != 1 || elems["polyline"] != 1 {
		t.Errorf("want one svg and one frontier polyline, got %v", elems)
	}
	// Both coinciding markers are labelled at their shared position.
	if !strings.Contains(buf.String(), "Nash, Max welfare") {
		t.Errorf("coinciding markers are not labelled together:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "a vs b &lt;&amp;&gt;") {
		t.Error("titles are not escaped")
	}
}
