// Command gen writes the example samples files under examples/: a month of
// pings for every series of examples/iij.yaml and examples/aryaka.yaml,
// healthy except for the incidents listed in incidents below, from a fixed
// seed so the files are the same on every run.
//
//	go run ./examples/gen
package main

import (
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/slawatch/slawatch/sample"
)

// series is one probed path: probes per minute and a typical RTT.
type series struct {
	name    string
	perMin  int
	rttMs   float64
	jitter  float64 // ms, uniform +-
	baseLos float64 // background loss probability
}

// incident makes a series lose lossPct% of probes, or answer rttMs slower,
// over [from, to) in the example's zone.
type incident struct {
	series   string
	from, to string
	lossPct  int
	extraRTT float64
}

type example struct {
	file      string
	zone      string
	month     string
	lead      time.Duration // data before the month: context for runs and baselines
	series    []series
	incidents []incident
}

func main() {
	for _, ex := range examples {
		if err := ex.write(); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func (ex example) write() error {
	f, err := os.Create(ex.file)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := sample.NewWriter(zw)
	loc, err := time.LoadLocation(ex.zone)
	if err != nil {
		return err
	}
	start, _ := time.ParseInLocation("2006-01", ex.month, loc)
	rng := rand.New(rand.NewPCG(2026, 11))
	for t := start.Add(-ex.lead); t.Before(start.AddDate(0, 1, 0)); t = t.Add(time.Minute) {
		for _, s := range ex.series {
			if err := ex.minute(w, rng, s, t, loc); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// minute writes one series' probes of the minute starting at t.
func (ex example) minute(w *sample.Writer, rng *rand.Rand, s series, t time.Time, loc *time.Location) error {
	lossPct, extra := ex.active(s.name, t, loc)
	nlost := s.perMin * lossPct / 100 // exactly: 50% of 6 probes is 3
	for i := 0; i < s.perMin; i++ {
		at := t.Add(time.Duration(i) * time.Minute / time.Duration(s.perMin))
		lost := i < nlost || rng.Float64() < s.baseLos
		rtt := s.rttMs + extra + (rng.Float64()*2-1)*s.jitter
		us := uint32(rtt*10) * 100 // 0.1 ms resolution keeps the files small
		if err := w.Write(at, s.name, us, lost); err != nil {
			return err
		}
	}
	return nil
}

// active returns the incident loss and extra RTT of the series at t.
func (ex example) active(name string, t time.Time, loc *time.Location) (int, float64) {
	for _, in := range ex.incidents {
		from, _ := time.ParseInLocation("2006-01-02 15:04", in.from, loc)
		to, _ := time.ParseInLocation("2006-01-02 15:04", in.to, loc)
		if in.series == name && !t.Before(from) && t.Before(to) {
			return in.lossPct, in.extraRTT
		}
	}
	return 0, 0
}
