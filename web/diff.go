package web

import (
	"strings"
	"unicode"

	"parley"
)

// wordOp is a run of text in a tracked-changes view: Op is "=" (kept),
// "-" (deleted) or "+" (inserted).
type wordOp struct {
	Op, Text string
}

// maxWordCells bounds the word comparison of two paragraphs; beyond it a
// changed paragraph shows as deleted and inserted whole.
const maxWordCells = 4_000_000

// wordDiff compares two texts as tracked changes: paragraph by paragraph,
// then word by word within a paragraph that was changed. It returns the
// paragraphs of the result, each a list of runs.
func wordDiff(a, b string) [][]wordOp {
	lines := parley.Diff(a, b)
	var out [][]wordOp
	for k := 0; k < len(lines); k++ {
		l := lines[k]
		// A deletion followed by an insertion is a paragraph that changed.
		if l.Op == "-" && k+1 < len(lines) && lines[k+1].Op == "+" {
			out = append(out, diffWords(l.Text, lines[k+1].Text))
			k++
			continue
		}
		out = append(out, []wordOp{{l.Op, l.Text}})
	}
	return out
}

// words splits s into words, each with the spaces that follow it.
func words(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if i > start && unicode.IsSpace(rune(s[i-1])) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func diffWords(a, b string) []wordOp {
	x, y := words(a), words(b)
	n, m := len(x), len(y)
	if n*m > maxWordCells {
		return []wordOp{{"-", a}, {"+", b}}
	}
	key := func(w string) string { return strings.TrimRightFunc(w, unicode.IsSpace) }
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if key(x[i]) == key(y[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []wordOp
	add := func(op, w string) {
		if len(out) > 0 && out[len(out)-1].Op == op {
			out[len(out)-1].Text += w
			return
		}
		out = append(out, wordOp{op, w})
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case key(x[i]) == key(y[j]):
			add("=", y[j])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			add("-", x[i])
			i++
		default:
			add("+", y[j])
			j++
		}
	}
	for ; i < n; i++ {
		add("-", x[i])
	}
	for ; j < m; j++ {
		add("+", y[j])
	}
	return out
}
