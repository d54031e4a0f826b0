package metrics

import "github.com/prometheus/client_golang/prometheus"

// CalendarCoveredUntil and CalendarEnding describe the gauges of the
// business-day calendars' coverage, one series per region the loaded
// contracts use: the end of the years the region's holidays cover, and
// whether that end is near.
var (
	CalendarCoveredUntil = prometheus.NewDesc("slawatch_calendar_covered_until_seconds",
		"First instant (Unix time, 1 January UTC of the year after the last covered) the region's holidays do not cover: business-day deadlines past it are undetermined.",
		[]string{"region"}, nil)
	CalendarEnding = prometheus.NewDesc("slawatch_calendar_coverage_ending",
		"1 while the region's holiday coverage ends within 60 days (or has ended), else 0.",
		[]string{"region"}, nil)
)

// Register adds a collector of a server part to the server's registry.
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }
