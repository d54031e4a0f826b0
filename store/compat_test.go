package store

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// testStagedV1: a batch staged by a server from before reply timing (the
// codec's golden version 1 bytes) reads as its records, untimed, before
// and after compaction; a timed record written since of another series
// keeps its timing beside them.
func testStagedV1(t *testing.T, url string) {
	payload, err := os.ReadFile("internal/codec/testdata/v1/batch.bin")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("internal/codec/testdata/v1/batch.json")
	if err != nil {
		t.Fatal(err)
	}
	var old []slawatch.SeriesMinute
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, url, Options{})
	_, err = s.wdb.ExecContext(context.Background(), `INSERT INTO staged (agent, minute, start_minute, hash, payload)
		VALUES ($1, $2, $3, $4, $5)`, "pop1", t0+5, t0, []byte("0123456789abcdef"), payload)
	if err != nil {
		t.Fatal(err)
	}
	timed := slawatch.SeriesMinute{Series: "a-timed"}
	timed.M.AddReplyAt(9000, 15)
	timed.M.AddReplyAt(9100, 45)
	mustWrite(t, s, "pop1", t0+5, timed)
	want := []stored{{t0 + 5, append([]slawatch.SeriesMinute{timed}, old...)}}
	checkRead(t, s, t0, t0+60, want)
	mustCompact(t, s, t0+60)
	checkRead(t, s, t0, t0+60, want)
}
