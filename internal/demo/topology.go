package demo

import (
	"embed"
	"fmt"
	"slices"
)

//go:embed contracts/*.yaml
var contracts embed.FS

// AgentName is the demo's agent: the live one and the back-fill write as
// it, so the server sees one agent that has measured all along.
const AgentName = "demo-pop"

// OutageListener is the listener the outage schedule closes.
const OutageListener = "tokyo"

// customer is one of the demo's customers: its contract file and its
// contacts (the demo's mailbox takes every address).
type customer struct {
	ID       string
	Contract string // file under contracts/
	Email    []string
	Fax      []string
}

var customers = []customer{
	{ID: "kaisha", Contract: "kaisha.yaml", Fax: []string{"+81 3-1234-5678"}},
	{ID: "globex", Contract: "globex.yaml", Email: []string{"noc@globex.example"}},
}

// series is one measured series: which listener the agent connects to,
// and how its history is made up.
type series struct {
	Name     string
	Customer string
	Listener string
	// BaseRTT is the night-time round trip, DayRTT what office hours add
	// at their peak, Noise the probe-to-probe spread (microseconds).
	BaseRTT, DayRTT, Noise float64
}

var allSeries = []series{
	{Name: "kaisha-router", Customer: "kaisha", Listener: OutageListener, BaseRTT: 4200, DayRTT: 2600, Noise: 500},
	{Name: "kaisha-dc-primary", Customer: "kaisha", Listener: "dc-primary", BaseRTT: 1100, DayRTT: 400, Noise: 120},
	{Name: "kaisha-dc-secondary", Customer: "kaisha", Listener: "dc-secondary", BaseRTT: 1500, DayRTT: 500, Noise: 150},
	{Name: "globex-tyo-sgp", Customer: "globex", Listener: "singapore", BaseRTT: 67000, DayRTT: 4500, Noise: 900},
	{Name: "globex-tunnel-tyo", Customer: "globex", Listener: OutageListener, BaseRTT: 8800, DayRTT: 3000, Noise: 700},
}

// listenerNames are the listeners, in a fixed order.
func listenerNames() []string {
	var out []string
	for _, s := range allSeries {
		if !slices.Contains(out, s.Listener) {
			out = append(out, s.Listener)
		}
	}
	return out
}

// seriesOf returns the names of the series that probe listener l.
func seriesOf(l string) []string {
	var out []string
	for _, s := range allSeries {
		if s.Listener == l {
			out = append(out, s.Name)
		}
	}
	return out
}

// contractYAML returns a customer's contract file.
func contractYAML(c customer) ([]byte, error) {
	b, err := contracts.ReadFile("contracts/" + c.Contract)
	if err != nil {
		return nil, fmt.Errorf("demo: contract %s: %w", c.Contract, err)
	}
	return b, nil
}
