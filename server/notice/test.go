package notice

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// TestEvery is how often a customer may ask for a test notice, and
// TestsPerDay how many in 24 hours: a token must not turn the provider's
// relay into a mail cannon.
const (
	TestEvery   = time.Minute
	TestsPerDay = 10
)

// Test queues a test notice to every contact of a customer and returns
// its ID and the channels it goes on. A test asked for within TestEvery
// of the last one is refused (a conflict naming when the next may be).
func (s *Service) Test(ctx context.Context, customer, name, timezone string, contacts notify.Contacts) (string, []string, error) {
	now := s.cfg.Now()
	sends, err := s.st.Sends(ctx, customer)
	if err != nil {
		return "", nil, err
	}
	prefix := customer + "/test/"
	today := map[string]bool{}
	for _, x := range sends {
		id, _, _ := strings.Cut(x.ID, "|")
		ns, err := strconv.ParseInt(strings.TrimPrefix(id, prefix), 10, 64)
		if !strings.HasPrefix(id, prefix) || err != nil {
			continue
		}
		last := time.Unix(0, ns)
		if now.Sub(last) < TestEvery {
			return "", nil, slawatch.Errorf(slawatch.ECONFLICT, "a test notice was asked for at %s: the next may be asked for from %s",
				last.UTC().Format(time.RFC3339), last.Add(TestEvery).UTC().Format(time.RFC3339))
		}
		if now.Sub(last) < 24*time.Hour {
			today[id] = true
		}
	}
	if len(today) >= TestsPerDay {
		return "", nil, slawatch.Errorf(slawatch.ECONFLICT, "%d test notices in the last 24 hours: the most a customer may ask for", len(today))
	}
	chans, err := s.cfg.Notify.Channels(contacts)
	if err != nil {
		return "", nil, slawatch.Errorf(slawatch.EINVALID, "contacts: %v", err)
	}
	if len(chans) == 0 {
		return "", nil, slawatch.Errorf(slawatch.EINVALID, "customer %s has no notice contacts: add an email, fax or webhook first", customer)
	}
	// the ID is the minute's: two asked for at once in one minute, on one
	// replica or two, are one notice (the outbox keeps the first)
	n := notify.Notice{ID: prefix + strconv.FormatInt(now.Truncate(TestEvery).UnixNano(), 10), Kind: notify.KindTest, Customer: customer,
		CustomerName: name, Start: now, Detected: now, Deadline: now, Timezone: timezone}
	body, err := json.Marshal(n)
	if err != nil {
		return "", nil, err
	}
	var names []string
	out := make([]store.Send, len(chans))
	for i, ch := range chans {
		out[i] = store.Send{ID: n.ID + "|" + ch.Name(), Customer: customer, Notice: body, Channel: ch.Name(), NextAt: now}
		names = append(names, ch.Name())
	}
	k, err := s.st.Enqueue(ctx, out)
	if err != nil {
		return "", nil, fmt.Errorf("test notice: %w", err)
	}
	if k == 0 {
		return "", nil, slawatch.Errorf(slawatch.ECONFLICT, "a test notice was asked for in this minute already: the next may be asked for from %s",
			now.Truncate(TestEvery).Add(TestEvery).UTC().Format(time.RFC3339))
	}
	s.out.kick()
	return n.ID, names, nil
}
