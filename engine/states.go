package engine

import "github.com/slawatch/slawatch/contract"

// State is one minute of a level as the month's verdict counts it: what
// an availability strip draws, minute by minute.
type State uint8

// Minute states. The zero value is unknown, as in the engine: a minute
// nobody measured is never down.
const (
	StateUnknown  State = iota // not enough was measured to decide
	StateUp                    // measured, and the failure condition does not hold
	StateDown                  // down and counted: inside a qualifying run
	StateExcluded              // in an honoured exclusion window: neither up nor down
)

var stateNames = [...]string{"unknown", "up", "down", "excluded"}

// String returns the state's name as the report spells the minutes:
// unknown, up, down or excluded.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "invalid"
}

// States returns the state of every minute of the month of level l, index
// j being the minute that starts j minutes after the month's start, as
// the level's report counts them: an excluded minute is excluded whatever
// it measured, and the others are the rule's status (down when any of the
// rule and its alternatives is down). Counting the result gives the
// report's down_minutes, unknown_minutes, excluded_minutes and
// measured_minutes (up + down).
//
// Call it after Finish, on a Clone for the month to date: Finish applies
// the run rules (a down minute in a run shorter than the rule's
// consecutive counts as up) and judges the minutes not yet seen as
// unknown; before it the states are the raw minute judgements. The slice
// is the caller's. ok is false when l is not a level of e or has no
// minute rule (value and timed levels have no minute states).
func (e *Evaluator) States(l *contract.Level) (states []State, ok bool) {
	for _, lv := range e.levels {
		if lv.l == l && lv.rules != nil {
			return lv.states(), true
		}
	}
	return nil, false
}

func (lv *level) states() []State {
	n := lv.e.m1 - lv.e.m0
	out := make([]State, n)
	off := int(lv.e.m0 - lv.e.w0)
	for j := range n {
		if lv.excluded(j) {
			out[j] = StateExcluded
			continue
		}
		switch lv.status(int(j) + off) {
		case up:
			out[j] = StateUp
		case down:
			out[j] = StateDown
		}
	}
	return out
}
