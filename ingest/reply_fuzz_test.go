package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/slawatch/slawatch"
)

// answerTransport answers every request with status and body, the body
// failing with io.ErrUnexpectedEOF after cut bytes when cut >= 0.
type answerTransport struct {
	status int
	body   []byte
	cut    int
}

func (a answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, req.Body)
	var r io.Reader = bytes.NewReader(a.body)
	if a.cut >= 0 && a.cut < len(a.body) {
		r = io.MultiReader(bytes.NewReader(a.body[:a.cut]), errReader{})
	}
	return &http.Response{StatusCode: a.status, Body: io.NopCloser(r), Header: http.Header{}, Request: req}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func deliverTo(t *testing.T, tr http.RoundTripper, body []byte) (Result, error) {
	t.Helper()
	c := &Client{URL: "http://server.example", Token: "t", HTTP: &http.Client{Transport: tr}}
	return c.Deliver(context.Background(), body)
}

// FuzzDeliverAnswer gives Deliver any answer the server (or whatever
// stands in its place) may send: every failure is a *DeliveryError,
// classified by status alone (no answer, 408, 429 and 5xx temporary); a
// success is only a 200 whose whole body is JSON naming minutes and
// records; an answer cut off is never a success; the error quotes at most
// 512 bytes, from the answer's start; only a 403 refuses series.
func FuzzDeliverAnswer(f *testing.F) {
	f.Add(uint16(200), []byte(`{"minutes":1,"records":2}`), int16(-1))
	f.Add(uint16(200), []byte(`{"minutes":1,"records":2}`), int16(10))
	f.Add(uint16(200), []byte(`<html>login</html>`), int16(-1))
	f.Add(uint16(200), []byte(`{"minutes":1}`), int16(-1))
	f.Add(uint16(403), []byte(`{"error":{"code":"forbidden","message":"no"},"refused_series":["a","","b"]}`), int16(-1))
	f.Add(uint16(403), []byte(`{"refused_series":"a"}`), int16(-1))
	f.Add(uint16(429), []byte(`{"error":{"code":"rate","message":"slow down"}}`), int16(5))
	f.Add(uint16(503), []byte(strings.Repeat("x", 600)), int16(-1))
	f.Fuzz(func(t *testing.T, status uint16, answer []byte, cut int16) {
		code := 100 + int(status)%500
		if code < 200 {
			code += 100 // net/http's client reads past 1xx itself
		}
		res, err := deliverTo(t, answerTransport{code, answer, int(cut)}, []byte(Magic))
		if err == nil {
			checkAcknowledged(t, code, answer, int(cut), res)
			return
		}
		var de *DeliveryError
		if !errors.As(err, &de) {
			t.Fatalf("%d %q: error %T %v, not a *DeliveryError", code, answer, err, err)
		}
		checkRefusal(t, code, answer, int(cut), de)
	})
}

func checkAcknowledged(t *testing.T, code int, answer []byte, cut int, res Result) {
	t.Helper()
	var ans map[string]json.RawMessage
	switch {
	case code != http.StatusOK:
		t.Fatalf("%d %q taken for an acknowledgement", code, answer)
	case cut >= 0 && cut < len(answer):
		t.Fatalf("%q cut off at %d taken for an acknowledgement", answer, cut)
	case json.Unmarshal(answer, &ans) != nil:
		t.Fatalf("%q is not a JSON object, yet acknowledged %+v", answer, res)
	}
}

func checkRefusal(t *testing.T, code int, answer []byte, cut int, de *DeliveryError) {
	t.Helper()
	temporary := code == 408 || code == 429 || code >= 500 || (code == 200 && cut >= 0 && cut < len(answer))
	if code != 200 && de.Status != code {
		t.Fatalf("%d %q: status %d", code, answer, de.Status)
	}
	if de.Temporary != temporary {
		t.Fatalf("%d %q (cut at %d): temporary %v, want %v", code, answer, cut, de.Temporary, temporary)
	}
	if len(de.Body) > maxErrorBody || !bytes.Contains(answer, []byte(de.Body)) {
		t.Fatalf("%d %q: quotes %q", code, answer, de.Body)
	}
	if code != http.StatusForbidden && de.Refused != nil {
		t.Fatalf("%d %q refuses %q", code, answer, de.Refused)
	}
	if slices.Contains(de.Refused, "") {
		t.Fatalf("%d %q refuses an empty name: %q", code, answer, de.Refused)
	}
}

// FuzzRefusedSeries has the server refuse every series of a body in the
// 403 it writes (indented JSON listing refused_series, see
// server/ingest.go): Deliver must read the whole list back, however long
// and however the names escape in JSON, or the agent could not drop
// those series and would send the same body for ever. The body holds n
// series named prefix followed by a number.
func FuzzRefusedSeries(f *testing.F) {
	f.Add("kaisha-router-", uint8(3))
	f.Add("bb-tyo-osa/", uint8(255))
	f.Add(strings.Repeat("y", 250), uint8(200))
	f.Add(strings.Repeat("\u65e5", 80), uint8(200))
	f.Add(strings.Repeat("<", 250), uint8(200))
	f.Fuzz(func(t *testing.T, prefix string, n uint8) {
		names := seriesNames(prefix, int(n))
		if names == nil {
			return
		}
		recs := make([]slawatch.SeriesMinute, len(names))
		for i, name := range names {
			recs[i] = slawatch.SeriesMinute{Series: name, M: slawatch.Minute{Sent: 60, Received: 60, RTTSum: 60, RTTSumSq: 60, RTTMin: 1, RTTMax: 1}}
		}
		body := AppendBlock(nil, 29_000_000, recs)
		_, err := deliverTo(t, answerTransport{http.StatusForbidden, serverRefusal(t, names), -1}, body)
		if got := RefusedSeries(err); !slices.Equal(got, names) {
			t.Fatalf("%d series of %d bytes (body %d bytes): refused %d of them (%v)", len(names), len(names[0]), len(body), len(got), err)
		}
	})
}

// seriesNames returns n distinct names the store accepts (1 to 256 bytes
// of UTF-8 without control characters), in order, or nil.
func seriesNames(prefix string, n int) []string {
	if n == 0 || !utf8.ValidString(prefix) || strings.ContainsFunc(prefix, unicode.IsControl) {
		return nil
	}
	for len(prefix)+3 > 256 {
		_, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
	}
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(100+i)
	}
	return names
}

// serverRefusal is the server's 403 to an agent delivering names.
func serverRefusal(t *testing.T, names []string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(map[string]any{
		"error":          map[string]string{"code": "forbidden", "message": "agent tyo1 may not deliver series " + strconv.Quote(names[0]) + " and others"},
		"refused_series": names,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
