package api

import (
	"fmt"
	"io"

	"parley"
	"parley/plot"
)

// DancePlot draws the disclosed analysis of a two-member negotiation: the
// Pareto frontier, Nash and Kalai–Smorodinsky points, reservations, and the
// path of the texts proposed. With more members it draws the first two.
func DancePlot(w io.Writer, d *parley.Dance, names map[int64]string) error {
	if len(d.Parties) < 2 {
		return parley.Errorf(parley.ECONFLICT, "the plot needs two member parties")
	}
	x, y := names[d.Parties[0]], names[d.Parties[1]]
	panel := plot.Panel{Title: "the negotiation dance", XLabel: "utility of " + x, YLabel: "utility of " + y}
	var frontier, texts [][2]float64
	for _, p := range d.Pareto {
		frontier = append(frontier, [2]float64{p[0], p[1]})
	}
	for _, t := range d.Texts {
		texts = append(texts, [2]float64{t.Utilities[0], t.Utilities[1]})
	}
	panel.Series = append(panel.Series, plot.Series{Name: "Pareto frontier", Color: "#000", Points: frontier, Line: true})
	if len(texts) > 0 {
		panel.Series = append(panel.Series, plot.Series{Name: "texts proposed, in order", Color: "#1f6feb", Points: texts, Line: true, Radius: 3.5})
	}
	if d.Nash != nil {
		panel.Markers = append(panel.Markers, plot.Marker{Name: "Nash", Color: "#000", X: d.Nash[0], Y: d.Nash[1], Shape: "square"})
	}
	if d.KS != nil {
		panel.Markers = append(panel.Markers, plot.Marker{Name: "Kalai–Smorodinsky", Color: "#b35900", X: d.KS[0], Y: d.KS[1], Shape: "triangle"})
	}
	panel.VLines = []plot.Line{{Name: "reservation of " + x, Color: "#bbb", At: d.Reservations[0]}}
	panel.HLines = []plot.Line{{Name: "reservation of " + y, Color: "#bbb", At: d.Reservations[1]}}
	return plot.Write(w, fmt.Sprintf("%s and %s", x, y), []plot.Panel{panel}, 1)
}
