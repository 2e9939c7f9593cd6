package main

import (
	"math/big"
	"strconv"
	"strings"

	"parley/engine"
)

// Text output prints utilities with at least minDigits decimal places and
// more where the points listed would otherwise print alike.
const minDigits = 4

// decimal formats x with d decimal places, rounded half away from zero
// from its value on the 12-place grid the JSON prints (engine.Round), so
// that text and JSON agree: 0.92375 prints as 0.9238, where formatting the
// float (0.923749999…) directly gives 0.9237.
func decimal(x float64, d int) string {
	s := strconv.FormatFloat(engine.Round(x), 'f', engine.Precision, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if d >= engine.Precision {
		if neg {
			return "-" + s
		}
		return s
	}
	dot := strings.IndexByte(s, '.')
	n, _ := new(big.Int).SetString(s[:dot]+s[dot+1:dot+1+d], 10)
	if s[dot+1+d] >= '5' {
		n.Add(n, big.NewInt(1))
	}
	digits := n.String()
	if len(digits) <= d {
		digits = strings.Repeat("0", d+1-len(digits)) + digits
	}
	out := digits[:len(digits)-d]
	if d > 0 {
		out += "." + digits[len(digits)-d:]
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

// utilityDigits returns the fewest decimal places, from minDigits to
// engine.Precision, at which points that differ on the 12-place grid still
// print differently.
func utilityDigits(pts [][]float64) int {
	for d := minDigits; d < engine.Precision; d++ {
		seen := make(map[string]string, len(pts))
		ok := true
		for _, u := range pts {
			full, short := "", ""
			for _, x := range u {
				full += decimal(x, engine.Precision) + ","
				short += decimal(x, d) + ","
			}
			if f, dup := seen[short]; dup && f != full {
				ok = false
				break
			}
			seen[short] = full
		}
		if ok {
			return d
		}
	}
	return engine.Precision
}
