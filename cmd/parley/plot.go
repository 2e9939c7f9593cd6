package main

import (
	"fmt"
	"html"
	"io"
	"strings"

	"parley/engine"
	"parley/genius"
	"parley/plot"
)

// partyColour colours party i's offers.
func partyColour(i int) string {
	palette := [...]string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}
	return palette[i%len(palette)]
}

// plotNegotiation draws the utility space of the first two parties: the
// Pareto frontier, every offer coloured by the party that made it (texts of
// a mediator in grey), the Nash point and the agreement.
func plotNegotiation(w io.Writer, sc *genius.Scenario, a *engine.Analysis, trace []engine.Step, agreement engine.Outcome, final, mediated []float64) error {
	panel := plot.Panel{
		Title:  "offers",
		XLabel: "utility of " + sc.ProfileFiles[0],
		YLabel: "utility of " + sc.ProfileFiles[1],
	}
	switch {
	case a != nil && a.NoFrontier:
		panel.Title = "offers (the Pareto frontier was not computed)"
	case a != nil:
		var frontier [][2]float64
		for _, p := range a.Pareto {
			frontier = append(frontier, [2]float64{p.Utilities[0], p.Utilities[1]})
		}
		panel.Series = append(panel.Series, plot.Series{Name: "Pareto frontier", Color: "#000", Points: frontier, Line: true})
	default:
		panel.Title = "offers (the Pareto frontier is out of reach)"
	}
	byParty := map[int][][2]float64{}
	for _, s := range trace {
		if s.Action == engine.ActOffer && s.Utilities != nil {
			byParty[s.Party] = append(byParty[s.Party], [2]float64{s.Utilities[0], s.Utilities[1]})
		}
	}
	if pts := byParty[-1]; pts != nil {
		panel.Series = append(panel.Series, plot.Series{Name: "mediator's texts", Color: "#777", Points: pts, Line: true, Radius: 3})
	}
	for i := range sc.Profiles {
		if pts := byParty[i]; pts != nil {
			panel.Series = append(panel.Series, plot.Series{Name: fmt.Sprintf("offers of party %d (%s)", i+1, sc.ProfileFiles[i]), Color: partyColour(i), Points: pts, Radius: 2.5})
		}
	}
	if a != nil && a.Nash != nil {
		panel.Markers = append(panel.Markers, plot.Marker{Name: "Nash", Color: "#000", X: a.Nash.Utilities[0], Y: a.Nash.Utilities[1], Shape: "square"})
	}
	if mediated != nil {
		panel.Markers = append(panel.Markers, plot.Marker{Name: "mediator's text (Pareto-optimal)", Color: "#000", X: mediated[0], Y: mediated[1], Shape: "square"})
	}
	if agreement != nil {
		panel.Markers = append(panel.Markers, plot.Marker{Name: "agreement", Color: "#e0a000", X: final[0], Y: final[1], Shape: "diamond"})
	}
	panel.VLines = []plot.Line{{Name: "reservation " + sc.ProfileFiles[0], Color: "#bbb", At: sc.Profiles[0].Reservation()}}
	panel.HLines = []plot.Line{{Name: "reservation " + sc.ProfileFiles[1], Color: "#bbb", At: sc.Profiles[1].Reservation()}}
	return plot.Write(w, sc.Name, []plot.Panel{panel}, 1)
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
