//go:build parley_genius

package main

import (
	"fmt"
	"html"
	"io"
	"strings"

	"parley/engine"
	"parley/genius"
)

// svgPalette colours the parties' offers.
var svgPalette = [...]string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// plotNegotiation draws the first two parties' utility space: the Pareto
// frontier, every offer coloured by the party that made it, the Nash point
// and the agreement.
func plotNegotiation(w io.Writer, sc *genius.Scenario, a *engine.Analysis, trace []engine.Step, agreement engine.Outcome, final []float64) error {
	const size, pad = 480.0, 50.0
	x := func(u float64) float64 { return pad + u*size }
	y := func(u float64) float64 { return pad + (1-u)*size }
	b := &strings.Builder{}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", size+2*pad+160, size+2*pad)
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", pad, pad, size, size)
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f">%s</text>`+"\n", pad, pad-20, html.EscapeString(sc.Name))
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">utility of %s</text>`+"\n", pad+size/2, size+2*pad-10, html.EscapeString(sc.ProfileFiles[0]))
	fmt.Fprintf(b, `<text transform="translate(15 %.0f) rotate(-90)" text-anchor="middle">utility of %s</text>`+"\n", pad+size/2, html.EscapeString(sc.ProfileFiles[1]))
	for _, t := range []float64{0, 0.5, 1} {
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">%g</text>`+"\n", x(t), size+pad+15, t)
		fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="end">%g</text>`+"\n", pad-5, y(t)+4, t)
	}
	// Offers first, so the frontier and the solutions stay visible.
	for _, s := range trace {
		if s.Utilities == nil || s.Action != engine.ActOffer {
			continue
		}
		c := "#555"
		if s.Party >= 0 {
			c = svgPalette[s.Party%len(svgPalette)]
		}
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s" fill-opacity="0.5"/>`+"\n", x(s.Utilities[0]), y(s.Utilities[1]), c)
	}
	var pts []string
	for _, p := range a.Pareto {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Utilities[0]), y(p.Utilities[1])))
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="#000" stroke-width="1.2"/>`+"\n", strings.Join(pts, " "))
	if a.Nash != nil {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="8" height="8" fill="none" stroke="#000" stroke-width="2"><title>Nash</title></rect>`+"\n", x(a.Nash.Utilities[0])-4, y(a.Nash.Utilities[1])-4)
	}
	if agreement != nil {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="7" fill="none" stroke="#e0a000" stroke-width="3"><title>agreement</title></circle>`+"\n", x(final[0]), y(final[1]))
	}
	ly := pad
	legend := func(mark, label string) {
		fmt.Fprintf(b, `%s<text x="%.0f" y="%.0f">%s</text>`+"\n", mark, size+pad+35, ly+4, html.EscapeString(label))
		ly += 20
	}
	lx := size + pad + 20
	for i := range sc.Profiles {
		legend(fmt.Sprintf(`<circle cx="%.0f" cy="%.0f" r="4" fill="%s"/>`, lx, ly, svgPalette[i%len(svgPalette)]), "offers of party "+fmt.Sprint(i+1))
	}
	legend(fmt.Sprintf(`<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#000"/>`, lx-6, ly, lx+6, ly), "Pareto frontier")
	legend(fmt.Sprintf(`<rect x="%.0f" y="%.0f" width="8" height="8" fill="none" stroke="#000" stroke-width="2"/>`, lx-4, ly-4), "Nash point")
	legend(fmt.Sprintf(`<circle cx="%.0f" cy="%.0f" r="6" fill="none" stroke="#e0a000" stroke-width="3"/>`, lx, ly), "agreement")
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// plotSummary draws a bar chart of each agent's mean own utility and
// agreement rate.
func plotSummary(w io.Writer, rows []agentSummary) error {
	const barH, gap, width, left = 16.0, 14.0, 360.0, 110.0
	h := 60 + float64(len(rows))*(2*barH+gap)
	b := &strings.Builder{}
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", left+width+80, h)
	fmt.Fprintf(b, `<text x="10" y="20">per agent: agreement rate (grey), mean own utility (blue)</text>`+"\n")
	yy := 40.0
	for _, r := range rows {
		fmt.Fprintf(b, `<text x="10" y="%.0f">%s</text>`+"\n", yy+barH+4, html.EscapeString(r.Agent))
		fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="#aaa"/><text x="%.1f" y="%.0f">%.3f</text>`+"\n", left, yy, r.AgreementRate*width, barH, left+r.AgreementRate*width+4, yy+12, r.AgreementRate)
		fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="#1f77b4"/><text x="%.1f" y="%.0f">%.3f</text>`+"\n", left, yy+barH, r.MeanUtility*width, barH, left+r.MeanUtility*width+4, yy+barH+12, r.MeanUtility)
		yy += 2*barH + gap
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
