// Package plot draws utility-space charts as standalone SVG: scatter
// panels with point series, labelled markers and reference lines. It knows
// nothing about negotiation; callers build the panels.
package plot

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// Panel is one chart: X against Y.
type Panel struct {
	Title          string
	XLabel, YLabel string
	Series         []Series
	Markers        []Marker
	// VLines and HLines are reference lines at these X (resp. Y) values,
	// e.g. reservation values.
	VLines, HLines []Line
}

// Series is a set of points drawn with one style.
type Series struct {
	Name   string
	Color  string
	Points [][2]float64
	// Line joins the points in order (a frontier); otherwise dots.
	Line bool
	// Radius of the dots (default 2).
	Radius float64
}

// Marker is one labelled point (Nash, Kalai–Smorodinsky, …).
type Marker struct {
	Name  string
	Color string
	X, Y  float64
	Shape string // "diamond", "square", "triangle" or "circle"
}

// Line is a labelled reference line.
type Line struct {
	Name  string
	Color string
	At    float64
}

const (
	panelW, panelH = 460.0, 420.0
	marginL        = 60.0
	marginR        = 20.0
	marginT        = 36.0
	marginB        = 50.0
	legendH        = 22.0
)

// Write renders the panels side by side, wrapping after cols per row, as
// one SVG document with a title and a shared legend.
func Write(w io.Writer, title string, panels []Panel, cols int) error {
	if cols <= 0 {
		cols = 1
	}
	if cols > len(panels) {
		cols = len(panels)
	}
	rows := (len(panels) + cols - 1) / cols
	legend := legendEntries(panels)
	width := math.Max(float64(cols)*panelW, 640)
	colW := 190.0
	for _, e := range legend {
		colW = math.Max(colW, 7*float64(len([]rune(e.name)))+30)
	}
	perRow := max(1, int((width-40)/colW))
	height := 40 + float64(rows)*panelH + legendH*float64((len(legend)+perRow-1)/perRow) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="24" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", width/2, esc(title))
	left := (width - float64(cols)*panelW) / 2
	for i, p := range panels {
		x0 := left + float64(i%cols)*panelW
		y0 := 40 + float64(i/cols)*panelH
		drawPanel(&b, p, x0, y0)
	}
	ly := 40 + float64(rows)*panelH + 4
	for i, e := range legend {
		x := 20 + float64(i%perRow)*colW
		y := ly + float64(i/perRow)*legendH + 12
		symbol(&b, e.shape, e.color, x, y-4, 5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+10, y, esc(e.name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type legendEntry struct{ name, color, shape string }

func legendEntries(panels []Panel) []legendEntry {
	var out []legendEntry
	seen := map[string]bool{}
	add := func(name, color, shape string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, legendEntry{name, color, shape})
	}
	for _, p := range panels {
		for _, s := range p.Series {
			shape := "circle"
			if s.Line {
				shape = "line"
			}
			add(s.Name, s.Color, shape)
		}
		for _, m := range p.Markers {
			add(m.Name, m.Color, m.Shape)
		}
		for _, l := range append(append([]Line(nil), p.VLines...), p.HLines...) {
			add(l.Name, l.Color, "dash")
		}
	}
	return out
}

func drawPanel(b *strings.Builder, p Panel, x0, y0 float64) {
	// Data range: always include [0,1] so panels compare at a glance.
	minX, maxX, minY, maxY := 0.0, 1.0, 0.0, 1.0
	grow := func(x, y float64) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		}
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
	}
	for _, s := range p.Series {
		for _, pt := range s.Points {
			grow(pt[0], pt[1])
		}
	}
	for _, m := range p.Markers {
		grow(m.X, m.Y)
	}
	pw, ph := panelW-marginL-marginR, panelH-marginT-marginB
	px := func(x float64) float64 { return x0 + marginL + (x-minX)/(maxX-minX)*pw }
	py := func(y float64) float64 { return y0 + marginT + ph - (y-minY)/(maxY-minY)*ph }
	fmt.Fprintf(b, `<g><text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x0+marginL+pw/2, y0+20, esc(p.Title))
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#444"/>`+"\n", px(minX), py(maxY), pw, ph)
	for _, t := range ticks(minX, maxX) {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`, px(t), py(minY), px(t), py(maxY))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%s</text>`+"\n", px(t), py(minY)+16, fmtTick(t))
	}
	for _, t := range ticks(minY, maxY) {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`, px(minX), py(t), px(maxX), py(t))
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#444">%s</text>`+"\n", px(minX)-6, py(t)+4, fmtTick(t))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x0+marginL+pw/2, y0+panelH-12, esc(p.XLabel))
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n", x0+16, y0+marginT+ph/2, x0+16, y0+marginT+ph/2, esc(p.YLabel))
	for _, l := range p.VLines {
		if l.At >= minX && l.At <= maxX {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"><title>%s</title></line>`+"\n", px(l.At), py(minY), px(l.At), py(maxY), l.Color, esc(l.Name))
		}
	}
	for _, l := range p.HLines {
		if l.At >= minY && l.At <= maxY {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 4"><title>%s</title></line>`+"\n", px(minX), py(l.At), px(maxX), py(l.At), l.Color, esc(l.Name))
		}
	}
	for _, s := range p.Series {
		if s.Line && len(s.Points) > 1 {
			var pts strings.Builder
			for _, pt := range s.Points {
				fmt.Fprintf(&pts, "%.1f,%.1f ", px(pt[0]), py(pt[1]))
			}
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.TrimSpace(pts.String()), s.Color)
		}
		r := s.Radius
		if r == 0 {
			r = 2
		}
		for _, pt := range s.Points {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" fill-opacity="0.8"/>`, px(pt[0]), py(pt[1]), r, s.Color)
		}
		b.WriteString("\n")
	}
	// Markers often coincide (Nash is frequently the welfare point too):
	// draw larger shapes first so every one stays visible, and label each
	// position once with every name at it.
	size := map[string]float64{"square": 10, "triangle": 9, "circle": 8, "diamond": 6}
	order := append([]Marker(nil), p.Markers...)
	slices.SortStableFunc(order, func(a, b Marker) int { return int(size[b.Shape] - size[a.Shape]) })
	labels := map[[2]float64][]string{}
	var at [][2]float64
	for _, m := range p.Markers {
		k := [2]float64{math.Round(px(m.X)), math.Round(py(m.Y))}
		if labels[k] == nil {
			at = append(at, k)
		}
		labels[k] = append(labels[k], m.Name)
	}
	for _, k := range at {
		anchor, dx := "start", 14.0
		if k[0] > x0+marginL+pw*0.6 {
			anchor, dx = "end", -14
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="11" fill="#222" stroke="white" stroke-width="3" paint-order="stroke">%s</text>`+"\n", k[0]+dx, k[1]+4, anchor, esc(strings.Join(labels[k], ", ")))
	}
	for _, m := range order {
		r := size[m.Shape]
		if r == 0 {
			r = 7
		}
		symbol(b, m.Shape, m.Color, px(m.X), py(m.Y), r)
		fmt.Fprintf(b, `<title>%s (%.4g, %.4g)</title>`+"\n", esc(m.Name), m.X, m.Y)
	}
	b.WriteString("</g>\n")
}

func symbol(b *strings.Builder, shape, color string, x, y, r float64) {
	switch shape {
	case "diamond":
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s" stroke="black"/>`, x, y-r, x+r, y, x, y+r, x-r, y, color)
	case "square":
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" stroke="black"/>`, x-r*0.8, y-r*0.8, 1.6*r, 1.6*r, color)
	case "triangle":
		fmt.Fprintf(b, `<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s" stroke="black"/>`, x, y-r, x+r, y+r*0.8, x-r, y+r*0.8, color)
	case "line":
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/>`, x-r, y, x+r, y, color)
	case "dash":
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="3 2"/>`, x-r, y, x+r, y, color)
	default:
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" stroke="black"/>`, x, y, r*0.7, color)
	}
}

// ticks returns about five round values spanning [lo, hi].
func ticks(lo, hi float64) []float64 {
	span := hi - lo
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return []float64{lo}
	}
	step := math.Pow(10, math.Floor(math.Log10(span/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 6 {
			step *= m
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		out = append(out, math.Round(t/step)*step)
	}
	return out
}

func fmtTick(t float64) string {
	s := fmt.Sprintf("%.2f", t)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }
