package catalog

import (
	"fmt"
	"math/big"
	"strings"
)

// Op is a comparison operator of the template language.
type Op string

// The operators. Tier tables and thresholds quote the seed exactly, so
// "strictly above 50%" is "> 50" and "50% or more" is ">= 50".
const (
	OpGT Op = ">"
	OpGE Op = ">="
	OpLT Op = "<"
	OpLE Op = "<="
	OpEQ Op = "=="
)

// Cmp is a comparison against a literal or a contract parameter, written
// in a template as "> 50", ">= 99.999" or "<= $latency_threshold_ms".
type Cmp struct {
	Op    Op
	Value *big.Rat // nil when Param is set
	Param string   // parameter name, without the '$'
}

// ParseCmp parses the text form of a comparison.
func ParseCmp(s string) (Cmp, error) {
	s = strings.TrimSpace(s)
	var c Cmp
	for _, op := range []Op{OpGE, OpLE, OpEQ, OpGT, OpLT} {
		if strings.HasPrefix(s, string(op)) {
			c.Op = op
			s = strings.TrimSpace(s[len(op):])
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("%q: want an operator (>, >=, <, <=, ==) and a value", s)
	}
	if p, ok := strings.CutPrefix(s, "$"); ok {
		if !validName(p) {
			return c, fmt.Errorf("%q: bad parameter name", p)
		}
		c.Param = p
		return c, nil
	}
	v, err := ParseNumber(s)
	if err != nil {
		return c, err
	}
	c.Value = v
	return c, nil
}

// ParseNumber parses a plain decimal number ("50", "99.999", "0.1") exactly.
func ParseNumber(s string) (*big.Rat, error) {
	if s == "" || strings.ContainsAny(s, "eE/ _") {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	return v, nil
}

func (c Cmp) String() string {
	if c.Param != "" {
		return string(c.Op) + " $" + c.Param
	}
	return string(c.Op) + " " + FormatRat(c.Value)
}

// FormatRat prints a rational that is a finite decimal without trailing
// zeros, and anything else with 6 decimals.
func FormatRat(v *big.Rat) string {
	for prec := 0; prec <= 12; prec++ {
		s := v.FloatString(prec)
		back, _ := new(big.Rat).SetString(s)
		if back.Cmp(v) == 0 {
			return s
		}
	}
	return v.FloatString(6)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9' && i > 0)
		if !ok {
			return false
		}
	}
	return true
}
