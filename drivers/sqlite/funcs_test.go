package sqlite

import "testing"

func TestDecimalCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"10.50", "10.5", 0}, {"9.99", "10.50", -1}, {"-1", "0", -1}, {"-2.5", "-2.25", -1},
		{"0.0", "-0", 0}, {".5", "0.50", 0}, {"007", "7", 0}, {"0.6", "0.55", 1}, {"abc", "1", 1},
		{"12345678901234567890.1", "12345678901234567890.09", 1},
	} {
		if got := decimalCompare(c.a, c.b); got != c.want {
			t.Errorf("decimalCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := decimalCompare(c.b, c.a); got != -c.want {
			t.Errorf("decimalCompare(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestLikeToGlob(t *testing.T) {
	for in, want := range map[string]string{
		"a%b_c": "a*b?c", `100\%`: "100%", "x*y?[z]": "x[*]y[?][[]z]", `\\`: `\`,
	} {
		if got := likeToGlob(in); got != want {
			t.Errorf("likeToGlob(%q) = %q, want %q", in, got, want)
		}
	}
}
