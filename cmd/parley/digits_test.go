package main

import "testing"

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		d    int
		want string
	}{
		{0.92375, 4, "0.9238"}, // the float is 0.923749999…; the JSON says 0.92375
		{0.92374, 4, "0.9237"},
		{1, 4, "1.0000"},
		{0.99995, 4, "1.0000"},
		{-0.92375, 4, "-0.9238"},
		{-0.00001, 4, "0.0000"},
		{0.815105395170, 6, "0.815105"},
		{0.1234567891234, 12, "0.123456789123"},
		{12.5, 0, "13"},
	} {
		if got := decimal(tc.x, tc.d); got != tc.want {
			t.Errorf("decimal(%v, %d) = %s; want %s", tc.x, tc.d, got, tc.want)
		}
	}
}

func TestUtilityDigits(t *testing.T) {
	for _, tc := range []struct {
		name string
		pts  [][]float64
		want int
	}{
		{"apart at 4", [][]float64{{0.9, 0.1}, {0.8, 0.2}}, 4},
		{"alike at 4", [][]float64{{0.92371, 0.5}, {0.92374, 0.6}, {0.92374, 0.60001}}, 5},
		{"equal points", [][]float64{{0.5, 0.5}, {0.5, 0.5}}, 4},
	} {
		if got := utilityDigits(tc.pts); got != tc.want {
			t.Errorf("%s: %d digits; want %d", tc.name, got, tc.want)
		}
	}
}
