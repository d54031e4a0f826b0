package sample

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

// benchStart is the first second of the generated streams.
var benchStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// oneSeries is a month of one series probed every second, as a probe
// agent writes it: millisecond timestamps, RTTs in microseconds, a lost
// probe now and then. It is built once and shared by the benchmarks.
var oneSeries = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for s := range 31 * 86400 {
		at := benchStart.Add(time.Duration(s)*time.Second + time.Duration(s%1000)*time.Millisecond)
		w.Write(at, "web-1", uint32(8000+s*7919%20000), s%997 == 0)
	}
	w.Flush()
	return buf.Bytes()
})

// interleaved is 15 minutes of 1,000 series probed every second, each
// second's rows in series order.
var interleaved = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for s := range 15 * 60 {
		for i := range 1000 {
			at := benchStart.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Millisecond)
			w.Write(at, seriesName(i), uint32(1000+(s*1000+i)*7919%50000), (s+i)%997 == 0)
		}
	}
	w.Flush()
	return buf.Bytes()
})

// minuteRecords is 4 hours of 1,000 series as minute records, as a probe
// agent writes them: each minute's rows in series order, 60 probes a
// minute, a lost probe now and then. A row stands for 60 probe rows.
var minuteRecords = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	start := benchStart.Unix() / 60
	for minute := range int64(4 * 60) {
		for i := range 1000 {
			var m slawatch.Minute
			for p := range 60 {
				k := int(minute)*60000 + i*60 + p
				if k%997 == 0 {
					m.AddLost()
				} else {
					m.AddReply(uint32(1000 + k*7919%50000))
				}
			}
			w.WriteMinute(start+minute, seriesName(i), m)
		}
	}
	w.Flush()
	return buf.Bytes()
})

func seriesName(i int) string { return fmt.Sprintf("host-%04d.example.net", i) }

func seriesNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = seriesName(i)
	}
	return names
}

// benchmarkReader reads data over and over until b.N rows are read, so
// that ns/op and allocs/op are per row.
func benchmarkReader(b *testing.B, data []byte, names []string) {
	lookup := mapLookup(names...)
	rowsPerFile := dataLines(data)
	b.SetBytes(int64(len(data)) / rowsPerFile) // per row, so MB/s is true
	b.ReportAllocs()
	b.ResetTimer()
	var r *Reader
	for rows := 0; rows < b.N; {
		if r == nil {
			r = NewReader(bytes.NewReader(data), "bench.csv", len(names), lookup)
		}
		batch, err := r.Next()
		if err == io.EOF {
			r = nil
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		rows += int(batch.Rows)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReaderOneSeries(b *testing.B) {
	benchmarkReader(b, oneSeries(), []string{"web-1"})
}

func BenchmarkReaderInterleaved(b *testing.B) {
	benchmarkReader(b, interleaved(), seriesNames(1000))
}

func BenchmarkReaderMinutes(b *testing.B) {
	benchmarkReader(b, minuteRecords(), seriesNames(1000))
}

func BenchmarkParseTime(b *testing.B) {
	times := make([][]byte, 3600)
	for i := range times {
		times[i] = benchStart.Add(time.Duration(i)*time.Second+123*time.Millisecond).AppendFormat(nil, time.RFC3339Nano)
	}
	b.Run("cached", func(b *testing.B) {
		var c timeCache
		for i := range b.N {
			if _, err := c.minute(times[i%len(times)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		for i := range b.N {
			if _, err := parseTime(times[i%len(times)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("time.Parse", func(b *testing.B) {
		for i := range b.N {
			if _, err := time.Parse(time.RFC3339Nano, string(times[i%len(times)])); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestReaderAllocsPerRow checks that a row costs no allocation in either
// format: reading 100 times more rows allocates no more.
func TestReaderAllocsPerRow(t *testing.T) {
	names := []string{"web", "db", "a,b"}
	lookup := mapLookup(names...)
	for _, write := range []func(minutes int) []byte{probeFile, minuteFile} {
		allocs := func(data []byte) float64 {
			return testing.AllocsPerRun(5, func() {
				r := NewReader(bytes.NewReader(data), "a.csv", len(names), lookup)
				for {
					if _, err := r.Next(); err != nil {
						break
					}
				}
			})
		}
		small, large := allocs(write(10)), allocs(write(1000))
		if large > small {
			t.Errorf("%d allocations for 10 minutes, %d for 1000", int(small), int(large))
		}
	}
}

// probeFile and minuteFile are minutes of three series, one of them
// quoted, with lost probes and minutes without replies.
func probeFile(minutes int) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range minutes {
		for s, name := range []string{"web", "db", "a,b"} {
			at := benchStart.Add(time.Duration(i)*time.Minute + time.Duration(s)*time.Second)
			w.Write(at, name, uint32(1000*i+s), (i+s)%3 == 0)
		}
	}
	w.Flush()
	return buf.Bytes()
}

func minuteFile(minutes int) []byte {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	for i := range minutes {
		for s, name := range []string{"web", "db", "a,b"} {
			m := lost(slawatch.Minute{}, 2)
			if (i+s)%3 != 0 {
				m = reply(m, uint32(1000*i+s), 7)
			}
			w.WriteMinute(benchStart.Unix()/60+int64(i), name, m)
		}
	}
	w.Flush()
	return buf.Bytes()
}
