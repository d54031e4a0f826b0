package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Path is where the server takes bodies, below its base URL.
const Path = "/api/ingest"

// maxErrorBody is how much of an error answer a DeliveryError quotes.
const maxErrorBody = 512

// maxAnswer bounds what Deliver reads of any answer but a refusal.
const maxAnswer = 64 << 10

// refusalPerByte bounds what Deliver reads of a 403 answer, per byte of
// the body: its refused_series may name every series of the body, and a
// name of up to 256 bytes may take as few as 9 bytes of the body (all
// but a byte shared with the previous name), while the server's JSON
// writes each of <, > and & as a 6-byte escape and adds 7 bytes a name
// of indentation and quotes: (256 x 6 + 7) / 9 < 172 bytes of answer a
// byte of body, at the worst. Cut off, the list would not parse and the
// agent could not drop the refused series (found by FuzzRefusedSeries).
const refusalPerByte = 200

// Result is the server's account of a body it stored.
type Result struct {
	Minutes int `json:"minutes"` // blocks stored
	Records int `json:"records"` // records stored
}

// Client delivers bodies to one server.
type Client struct {
	URL    string       // the server's base URL: http(s)://host[:port][/prefix]
	Token  string       // sent as "Authorization: Bearer Token" when not empty
	HTTP   *http.Client // http.DefaultClient when nil
	Logger *slog.Logger // each delivery at debug; none when nil
}

// DeliveryError is a failed delivery. A Temporary one (no answer, 408,
// 429, 5xx) may succeed if sent again as it is; any other needs the
// server or the agent's configuration fixed, though sending again does
// no harm.
type DeliveryError struct {
	Status    int    // the HTTP status; 0 when there was no answer
	Temporary bool   // worth sending again soon
	Body      string // the start of the server's answer, up to 512 bytes
	Err       error  // the network error, or what was wrong with a 200 answer

	// Refused lists the series the server refused in a 403 answer
	// (its refused_series): the agent may not deliver them, and the
	// server stored nothing of the body. Sent without them, the rest may
	// be stored. Empty for any other answer, and for a 403 that does not
	// name series (a token the server does not know).
	Refused []string
}

func (e *DeliveryError) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("deliver: %v", e.Err)
	case e.Err != nil:
		return fmt.Sprintf("deliver: server answered %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("deliver: server answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Body)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Temporary reports whether err is a DeliveryError worth sending again
// soon: no answer, or 408, 429 or 5xx.
func Temporary(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Temporary
}

// RefusedSeries returns the series err refuses: those of a
// DeliveryError's Refused, nil for any other error.
func RefusedSeries(err error) []string {
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Refused
	}
	return nil
}

// Deliver POSTs body (see AppendBlock) to the server once and returns
// what the server stored. It retries nothing: every error is a
// *DeliveryError, and the caller decides when to send again.
func (c *Client) Deliver(ctx context.Context, body []byte) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+Path, bytes.NewReader(body))
	if err != nil {
		return Result{}, &DeliveryError{Err: err}
	}
	req.Header.Set("Content-Type", ContentType)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return Result{}, &DeliveryError{Temporary: true, Err: err}
	}
	defer resp.Body.Close()
	res, err := readAnswer(resp, len(body))
	if err != nil {
		return Result{}, err
	}
	if c.Logger != nil {
		c.Logger.Debug("delivered", "bytes", len(body), "minutes", res.Minutes, "records", res.Records,
			"duration", time.Since(start))
	}
	return res, nil
}

// readAnswer reads the server's answer to a body of bodyLen bytes: a
// Result on 200, a *DeliveryError otherwise.
func readAnswer(resp *http.Response, bodyLen int) (Result, error) {
	limit := int64(maxAnswer)
	if resp.StatusCode == http.StatusForbidden {
		limit += refusalPerByte * int64(bodyLen)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if resp.StatusCode != http.StatusOK {
		de := &DeliveryError{
			Status:    resp.StatusCode,
			Temporary: temporaryStatus(resp.StatusCode),
			Body:      quote(data),
		}
		if resp.StatusCode == http.StatusForbidden {
			de.Refused = refusedSeries(data)
		}
		return Result{}, de
	}
	if err != nil { // cut off mid-answer: the body may or may not be stored
		return Result{}, &DeliveryError{Temporary: true, Err: fmt.Errorf("read answer: %w", err)}
	}
	// A 200 that is not the server's answer (a proxy's login page, a
	// wrong URL) must not be taken for an acknowledgement.
	var ans struct{ Minutes, Records *int }
	if err := json.Unmarshal(data, &ans); err != nil || ans.Minutes == nil || ans.Records == nil {
		return Result{}, &DeliveryError{Status: resp.StatusCode, Body: quote(data),
			Err: fmt.Errorf("not a slawatch ingest answer: %q", quote(data))}
	}
	return Result{Minutes: *ans.Minutes, Records: *ans.Records}, nil
}

// refusedSeries reads the refused_series of a 403 answer: the non-empty
// names it lists, nil when it lists none or is not JSON.
func refusedSeries(data []byte) []string {
	var ans struct {
		Refused []string `json:"refused_series"`
	}
	if json.Unmarshal(data, &ans) != nil {
		return nil
	}
	names := slices.DeleteFunc(ans.Refused, func(s string) bool { return s == "" })
	if len(names) == 0 {
		return nil
	}
	return names
}

// temporaryStatus reports whether an answer with this status may change
// by itself: a timeout, a rate limit, a server error.
func temporaryStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// quote returns the start of an answer, for an error message.
func quote(data []byte) string {
	if len(data) > maxErrorBody {
		data = data[:maxErrorBody]
	}
	return strings.TrimSpace(string(data))
}
