package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/notify"
)

// api calls the demo's server as its operator: the demo sets itself up
// through the same API a provider's scripts would use.
type api struct {
	url, token string
	hc         *http.Client
}

// do sends body (JSON unless it is []byte) and decodes a 2xx answer into
// out when out is not nil; any other answer is an error quoting it.
func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("demo: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("demo: %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("demo: %s %s: %w", method, path, err)
		}
	}
	return nil
}

// newToken makes a token and returns it.
func (a *api) newToken(ctx context.Context, req map[string]string) (string, error) {
	var ans struct {
		Token string `json:"token"`
	}
	if err := a.do(ctx, "POST", "/api/tokens", req, &ans); err != nil {
		return "", err
	}
	return ans.Token, nil
}

// tokens are what setup made.
type tokens struct {
	Agent, Customer string
}

// setup makes the customers (without contacts yet), the agent's and the
// first customer's tokens, the series and the contracts.
func (a *api) setup(ctx context.Context) (tokens, error) {
	var t tokens
	var err error
	if t.Agent, err = a.newToken(ctx, map[string]string{"role": "agent", "agent": AgentName, "name": "demo agent"}); err != nil {
		return t, err
	}
	for _, c := range customers {
		if err := a.do(ctx, "POST", "/api/customers", map[string]any{"id": c.ID}, nil); err != nil {
			return t, err
		}
		var ss []map[string]any
		for _, s := range allSeries {
			if s.Customer == c.ID {
				ss = append(ss, map[string]any{"name": s.Name, "agents": []string{AgentName},
					"description": "TCP connect to the demo's " + s.Listener + " listener"})
			}
		}
		if err := a.do(ctx, "POST", "/api/customers/"+c.ID+"/series", map[string]any{"series": ss}, nil); err != nil {
			return t, err
		}
		yaml, err := contractYAML(c)
		if err != nil {
			return t, err
		}
		if err := a.do(ctx, "PUT", "/api/customers/"+c.ID+"/contract", yaml, nil); err != nil {
			return t, err
		}
	}
	t.Customer, err = a.newToken(ctx, map[string]string{"role": "customer", "customer": customers[0].ID, "name": "demo customer"})
	return t, err
}

// notified is where a past outage's notice went: the service of the
// customer whose notification level saw it.
type notified struct{ customer, service string }

// noticesOf names the notification levels' services a past outage
// reaches (see the contracts): the tokyo listener is the Internet
// access's router and the Aryaka tunnel; both DC lines, the DC connection.
func noticesOf(o PastOutage) []notified {
	has := func(l string) bool { return slices.Contains(o.Listeners, l) }
	var out []notified
	if has(OutageListener) {
		out = append(out, notified{"kaisha", "internet-tokyo"}, notified{"globex", "tyo-vpn"})
	}
	if has("dc-primary") && has("dc-secondary") {
		out = append(out, notified{"kaisha", "dc-connection"})
	}
	return out
}

// pastNoticeAfter is when, after its start, a past outage was notified:
// within every level's 30 minutes of its detection.
const pastNoticeAfter = 15 * time.Minute

// history settles the past: once the server has stored the outages it
// found in the open month (judged before the customers had contacts, so
// no notice went out for them now), it records for every past outage the
// notice the provider sent at the time, as a customer-notified event;
// then it gives the customers their contacts, so that live outages are
// notified.
func (a *api) history(ctx context.Context, outages []PastOutage, monthStart int64, loc *time.Location, wait time.Duration) error {
	want := map[string]int{}
	for _, o := range outages {
		for _, n := range noticesOf(o) {
			if o.Start >= monthStart {
				want[n.customer]++
			}
		}
	}
	if err := a.waitOutages(ctx, want, wait); err != nil {
		return err
	}
	for _, o := range outages {
		at := time.Unix(o.Start*60, 0).Add(pastNoticeAfter).In(loc)
		for _, n := range noticesOf(o) {
			ev := map[string]string{"id": "N-" + at.UTC().Format("20060102T1504Z") + "-" + n.service, "service": n.service,
				"kind": "customer-notified", "start": at.Format("2006-01-02 15:04"), "note": "notice sent at the time (demo history)"}
			if err := a.do(ctx, "POST", "/api/customers/"+n.customer+"/events", ev, nil); err != nil {
				return err
			}
		}
	}
	for _, c := range customers {
		body := map[string]any{"id": c.ID, "contacts": notify.Contacts{Email: c.Email, Fax: c.Fax}}
		if err := a.do(ctx, "PUT", "/api/customers/"+c.ID, body, nil); err != nil {
			return err
		}
	}
	return nil
}

// waitOutages waits until each customer has at least the outages wanted
// stored, for at most wait: the server judges the back-filled month in
// the background.
func (a *api) waitOutages(ctx context.Context, want map[string]int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		done := true
		for c, n := range want {
			var got struct {
				Outages []json.RawMessage `json:"outages"`
			}
			if err := a.do(ctx, "GET", "/api/customers/"+c+"/outages", nil, &got); err != nil {
				return err
			}
			done = done && len(got.Outages) >= n
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: the server had not found the back-filled outages after %s (wanted %v)", wait, want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
