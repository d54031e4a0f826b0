// Package ingesttest is a test server of the ingest protocol, for the
// tests of the agent's delivery (package deliver and `slawatch agent
// --server`): it checks the token, decodes every body and keeps its
// records as the CSV rows --out writes, and fails, drops or refuses
// requests as a test asks.
package ingesttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/spool"
)

// Server fails the requests listed in Fail (503, 400, or a dropped
// connection) and keeps the rest's records. Like the real server it
// refuses a body holding a series of Refuse whole, with 403 and
// refused_series; while Down is set it drops every connection, like a
// server that died.
type Server struct {
	T      testing.TB
	Token  string
	Fail   map[int]string  // request number (from 1) -> "503", "400", "drop"
	Refuse map[string]bool // series this agent may not deliver
	Down   atomic.Bool

	mu       sync.Mutex
	requests int
	refusals int // bodies refused with 403
	rows     []string
	bodies   [][]int64 // the minutes of each body stored
	sizes    []int     // and its bytes
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	body, err := io.ReadAll(r.Body)
	switch {
	case err != nil:
		s.T.Errorf("request %d: read: %v", s.requests, err)
		return
	case r.URL.Path != ingest.Path || r.Header.Get("Content-Type") != ingest.ContentType:
		s.T.Errorf("request %d: %s %s, %q", s.requests, r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	case r.Header.Get("Authorization") != "Bearer "+s.Token:
		s.T.Errorf("request %d: authorization %q", s.requests, r.Header.Get("Authorization"))
		WriteError(w, http.StatusUnauthorized, "unauthorized", "bad token")
		return
	}
	if s.fail(w) {
		return
	}
	s.store(w, body)
}

// fail answers the request as Fail or Down say, if they do.
func (s *Server) fail(w http.ResponseWriter) bool {
	mode := s.Fail[s.requests]
	if s.Down.Load() {
		mode = "drop"
	}
	switch mode {
	case "503":
		WriteError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "store busy")
	case "400":
		WriteError(w, http.StatusBadRequest, slawatch.EINVALID, "no such agent")
	case "drop":
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	default:
		return false
	}
	return true
}

// store decodes a body and keeps its records, or refuses it.
func (s *Server) store(w http.ResponseWriter, body []byte) {
	var rows, refused []string
	var minutes []int64
	n := 0
	err := ingest.Decode(body, func(m int64, recs []slawatch.SeriesMinute) error {
		minutes = append(minutes, m)
		for _, r := range recs {
			rows = append(rows, Row(m, r))
			if s.Refuse[r.Series] && !slices.Contains(refused, r.Series) {
				refused = append(refused, r.Series)
			}
		}
		n += len(recs)
		return nil
	})
	if err != nil {
		s.T.Errorf("request %d: %v", s.requests, err)
		WriteError(w, http.StatusBadRequest, slawatch.ErrorCode(err), err.Error())
		return
	}
	if len(refused) > 0 {
		s.refusals++
		slices.Sort(refused)
		w.WriteHeader(http.StatusForbidden)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ") // as the server does
		enc.Encode(map[string]any{"error": map[string]string{"code": "forbidden",
			"message": fmt.Sprintf("agent test may not deliver series %q: not assigned to it", refused)},
			"refused_series": refused})
		return
	}
	s.rows = append(s.rows, rows...)
	s.bodies, s.sizes = append(s.bodies, minutes), append(s.sizes, len(body))
	json.NewEncoder(w).Encode(ingest.Result{Minutes: len(minutes), Records: n})
}

// Rows returns the records stored, as sorted CSV rows.
func (s *Server) Rows() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := slices.Clone(s.rows)
	slices.Sort(rows)
	return rows
}

// Requests is the number of requests received.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Refusals is the number of bodies refused for their series.
func (s *Server) Refusals() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusals
}

// Bodies returns the minutes of each body stored, and its size in bytes.
func (s *Server) Bodies() (minutes [][]int64, sizes []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bodies), slices.Clone(s.sizes)
}

// WriteError answers as the server does.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

// Row is a record as --out writes it.
func Row(m int64, r slawatch.SeriesMinute) string {
	return fmt.Sprintf("%s,%s,%d,%d,%d,%d,%d,%d,%s,%s", slawatch.MinuteTime(m).Format(time.RFC3339), r.Series,
		r.M.Sent, r.M.Received, r.M.RTTSum, r.M.RTTSumSq, r.M.RTTMin, r.M.RTTMax,
		replySecond(r.M.FirstReply), replySecond(r.M.LastReply))
}

// replySecond writes a reply time as the minute-records CSV does: empty
// for none, otherwise the second.
func replySecond(v uint8) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(int(v) - 1)
}

// LogLines returns the lines of logs that hold every one of parts.
func LogLines(logs string, parts ...string) []string {
	var found []string
	for _, l := range strings.Split(logs, "\n") {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(l, p) }) {
			found = append(found, l)
		}
	}
	return found
}

// MovedMsg is how the delivery logs its move to the next server.
const MovedMsg = `level=WARN msg="delivery failed, moving to the next server" server=`

// SpoolStats opens the spool in dir and returns its counts.
func SpoolStats(t testing.TB, dir string) spool.Stats {
	t.Helper()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	return sp.Stats()
}
