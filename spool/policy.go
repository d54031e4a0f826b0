package spool

import "fmt"

// Policy is what the spool does when an Append would take it over its
// size bound. See the package documentation.
type Policy int

const (
	// DropOldest deletes the oldest segments, acknowledged or not, to make
	// room: the agent keeps the recent past. It is the default.
	DropOldest Policy = iota
	// DropNewest refuses the Append with an error wrapping ErrFull: the
	// agent keeps the oldest minutes and loses new ones until a consumer
	// acknowledges.
	DropNewest
)

var policyNames = [...]string{DropOldest: "drop-oldest", DropNewest: "drop-newest"}

func (p Policy) String() string {
	if p < 0 || int(p) >= len(policyNames) {
		return fmt.Sprintf("Policy(%d)", int(p))
	}
	return policyNames[p]
}

// ParsePolicy parses a policy as written in a configuration file:
// "drop-oldest" or "drop-newest".
func ParsePolicy(s string) (Policy, error) {
	for p, name := range policyNames {
		if s == name {
			return Policy(p), nil
		}
	}
	return 0, fmt.Errorf("spool policy %q: want drop-oldest or drop-newest", s)
}

// MarshalText writes the policy's name, for configuration files.
func (p Policy) MarshalText() ([]byte, error) {
	if p < 0 || int(p) >= len(policyNames) {
		return nil, fmt.Errorf("spool policy %d unknown", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText parses a policy's name, so YAML and JSON decoders read it.
func (p *Policy) UnmarshalText(b []byte) error {
	v, err := ParsePolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
