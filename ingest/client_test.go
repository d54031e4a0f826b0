package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slawatch/slawatch"
)

// Deliver POSTs the body with the token and content type, and reads the
// server's account of what it stored.
func TestDeliver(t *testing.T) {
	body := encodeAll(sampleBlocks)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/prefix/api/ingest":
			t.Errorf("%s %s", r.Method, r.URL.Path)
		case r.Header.Get("Authorization") != "Bearer s3cret":
			t.Errorf("authorization %q", r.Header.Get("Authorization"))
		case r.Header.Get("Content-Type") != ContentType:
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		}
		p, _ := io.ReadAll(r.Body)
		minutes, records := 0, 0
		if err := Decode(p, func(_ int64, recs []slawatch.SeriesMinute) error {
			minutes, records = minutes+1, records+len(recs)
			return nil
		}); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"minutes":`+strconv.Itoa(minutes)+`,"records":`+strconv.Itoa(records)+`}`)
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL + "/prefix/", Token: "s3cret"}
	res, err := c.Deliver(context.Background(), body)
	if err != nil || res != (Result{Minutes: 4, Records: 7}) {
		t.Errorf("got %+v, %v", res, err)
	}
}

// Failures are classified: no answer, 408, 429 and 5xx are temporary;
// other statuses, and a 200 that is not the server's answer, are not.
// The error quotes the start of the server's answer.
func TestDeliverErrors(t *testing.T) {
	long := `{"error":{"code":"invalid","message":"` + strings.Repeat("x", 600) + `"}}`
	for _, tc := range []struct {
		name   string
		status int
		answer string
		temp   bool
		want   string
	}{
		{"unavailable", 503, `{"error":{"code":"internal","message":"store busy"}}`, true, `server answered 503 Service Unavailable: {"error":{"code":"internal","message":"store busy"}}`},
		{"bad gateway", 502, "", true, "server answered 502 Bad Gateway"},
		{"timeout", 408, "", true, "server answered 408"},
		{"rate", 429, "slow down", true, "server answered 429 Too Many Requests: slow down"},
		{"unauthorized", 401, `{"error":{"code":"unauthorized","message":"bad token"}}`, false, `401 Unauthorized: {"error":{"code":"unauthorized","message":"bad token"}}`},
		{"invalid", 400, long, false, `400 Bad Request: ` + long[:512]},
		{"not found", 404, "404 page not found\n", false, "404 Not Found: 404 page not found"},
		{"not ours", 200, "<html>login</html>", false, `server answered 200: not a slawatch ingest answer: "<html>login</html>"`},
		{"no counts", 200, `{"ok":true}`, false, "not a slawatch ingest answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			_, err := (&Client{URL: srv.URL}).Deliver(context.Background(), []byte(Magic))
			var de *DeliveryError
			switch {
			case !errors.As(err, &de) || de.Status != tc.status:
				t.Fatalf("got %v, want a DeliveryError with status %d", err, tc.status)
			case Temporary(err) != tc.temp:
				t.Errorf("temporary %v, want %v", Temporary(err), tc.temp)
			case !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), long[:520]):
				t.Errorf("error %q\nwant %q", err, tc.want)
			}
		})
	}
}

// A connection dropped before the answer, or refused, is temporary.
func TestDeliverNoAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	_, err := (&Client{URL: srv.URL}).Deliver(context.Background(), []byte(Magic))
	if !Temporary(err) || !strings.HasPrefix(err.Error(), "deliver: ") {
		t.Errorf("dropped: %v, temporary %v", err, Temporary(err))
	}
	srv.Close()
	_, err = (&Client{URL: srv.URL}).Deliver(context.Background(), []byte(Magic))
	if !Temporary(err) {
		t.Errorf("refused: %v, temporary %v", err, Temporary(err))
	}
}

// A 403 that lists refused_series names them in the error's Refused, so
// that the agent can drop exactly those; any other answer names none.
func TestDeliverRefused(t *testing.T) {
	const refusal = `{"error":{"code":"forbidden","message":"agent pop-1 may not deliver series \"a\", \"b\": not assigned to it"},"refused_series":["a","b"]}`
	for _, tc := range []struct {
		name   string
		status int
		answer string
		want   []string
	}{
		{"refused", 403, refusal, []string{"a", "b"}},
		{"indented", 403, "{\n  \"error\": {\"code\": \"forbidden\"},\n  \"refused_series\": [\n    \"a\"\n  ]\n}\n", []string{"a"}},
		{"empty names", 403, `{"refused_series":["","a",""]}`, []string{"a"}},
		{"bad token", 403, `{"error":{"code":"forbidden","message":"unknown token"}}`, nil},
		{"empty list", 403, `{"error":{"code":"forbidden"},"refused_series":[]}`, nil},
		{"not JSON", 403, "forbidden\n", nil},
		{"not a list", 403, `{"refused_series":"a"}`, nil},
		{"not a 403", 400, refusal, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			_, err := (&Client{URL: srv.URL}).Deliver(context.Background(), []byte(Magic))
			var de *DeliveryError
			switch {
			case !errors.As(err, &de) || de.Status != tc.status:
				t.Fatalf("got %v, want a DeliveryError with status %d", err, tc.status)
			case Temporary(err):
				t.Errorf("%v: temporary", err)
			case !slices.Equal(RefusedSeries(err), tc.want) || !slices.Equal(de.Refused, tc.want):
				t.Errorf("refused %q, want %q", RefusedSeries(err), tc.want)
			}
		})
	}
	if got := RefusedSeries(errors.New("other")); got != nil {
		t.Errorf("RefusedSeries of another error: %q", got)
	}
}

// A refusal of every series of a large body is read whole, though it is
// far longer than any other answer Deliver reads: 5,000 names of 200
// bytes, each taking 9 bytes of the body, in the server's indented JSON.
func TestDeliverRefusedLarge(t *testing.T) {
	recs := make([]slawatch.SeriesMinute, 5000)
	for i := range recs {
		recs[i].Series = strings.Repeat("x", 196) + fmt.Sprintf("%04d", i)
	}
	body := AppendBlock(nil, 29_000_000, recs)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := io.ReadAll(r.Body)
		var names []string
		Decode(p, func(_ int64, recs []slawatch.SeriesMinute) error {
			for _, r := range recs {
				names = append(names, r.Series)
			}
			return nil
		})
		w.WriteHeader(http.StatusForbidden)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"error": map[string]string{"code": "forbidden"}, "refused_series": names})
	}))
	defer srv.Close()
	_, err := (&Client{URL: srv.URL}).Deliver(context.Background(), body)
	if got := RefusedSeries(err); len(got) != len(recs) || got[len(got)-1] != recs[len(recs)-1].Series {
		t.Errorf("%d series refused of %d (body %d bytes): %.200v", len(got), len(recs), len(body), err)
	}
}
