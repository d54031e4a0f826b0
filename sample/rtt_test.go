package sample

import "testing"

func TestParseRTT(t *testing.T) {
	for _, tc := range []struct {
		in   string
		us   uint32
		lost bool
		err  error
	}{
		{"", 0, true, nil},
		{"0", 0, false, nil},
		{"12", 12000, false, nil},
		{"012", 12000, false, nil},
		{"12.5", 12500, false, nil},
		{"0.034", 34, false, nil},
		{"0.0345", 35, false, nil},
		{"0.03449", 34, false, nil},
		{"0.03459999", 35, false, nil},
		{"0.0004", 0, false, nil},
		{"0.0005", 1, false, nil},
		{"0.9995", 1000, false, nil},
		{"60000", 60_000_000, false, nil},
		{"60000.0004", 60_000_000, false, nil},
		{"60000.0005", 0, false, errRTTTooLarge},
		{"60001", 0, false, errRTTTooLarge},
		{"1" + "0000000000000000000000000", 0, false, errRTTTooLarge},
		{"-1", 0, false, errRTTNegative},
		{"-0", 0, false, errRTTNegative},
		{"-", 0, false, errRTTSyntax},
		{"--1", 0, false, errRTTSyntax},
		{"-1x", 0, false, errRTTSyntax},
		{"1e3", 0, false, errRTTSyntax},
		{"1.", 0, false, errRTTSyntax},
		{".1", 0, false, errRTTSyntax},
		{"1.2.3", 0, false, errRTTSyntax},
		{" 1", 0, false, errRTTSyntax},
		{"1 ", 0, false, errRTTSyntax},
		{"+1", 0, false, errRTTSyntax},
		{"NaN", 0, false, errRTTSyntax},
	} {
		us, lost, err := parseRTT([]byte(tc.in))
		if us != tc.us || lost != tc.lost || err != tc.err {
			t.Errorf("parseRTT(%q) = %d, %v, %v; want %d, %v, %v", tc.in, us, lost, err, tc.us, tc.lost, tc.err)
		}
	}
}

func TestAppendRTT(t *testing.T) {
	for _, tc := range []struct {
		us   uint32
		want string
	}{
		{0, "0"}, {1, "0.001"}, {35, "0.035"}, {100, "0.1"}, {12000, "12"}, {12500, "12.5"},
		{12340, "12.34"}, {60_000_000, "60000"}, {59_999_999, "59999.999"},
	} {
		if got := string(appendRTT(nil, tc.us)); got != tc.want {
			t.Errorf("appendRTT(%d) = %q, want %q", tc.us, got, tc.want)
		}
		if us, _, err := parseRTT([]byte(tc.want)); err != nil || us != tc.us {
			t.Errorf("parseRTT(%q) = %d, %v; want %d", tc.want, us, err, tc.us)
		}
	}
}
