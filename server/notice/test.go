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

// TestEvery is how often a customer may ask for a test notice: a token
// must not turn the server into a mail cannon.
const TestEvery = time.Minute

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
	for _, x := range sends {
		id, _, _ := strings.Cut(x.ID, "|")
		ns, err := strconv.ParseInt(strings.TrimPrefix(id, prefix), 10, 64)
		if !strings.HasPrefix(id, prefix) || err != nil {
			continue
		}
		if last := time.Unix(0, ns); now.Sub(last) < TestEvery {
			return "", nil, slawatch.Errorf(slawatch.ECONFLICT, "a test notice was asked for at %s: the next may be asked for from %s",
				last.UTC().Format(time.RFC3339), last.Add(TestEvery).UTC().Format(time.RFC3339))
		}
	}
	chans, err := s.cfg.Notify.Channels(contacts)
	if err != nil {
		return "", nil, slawatch.Errorf(slawatch.EINVALID, "contacts: %v", err)
	}
	if len(chans) == 0 {
		return "", nil, slawatch.Errorf(slawatch.EINVALID, "customer %s has no notice contacts: add an email, fax or webhook first", customer)
	}
	n := notify.Notice{ID: prefix + strconv.FormatInt(now.UnixNano(), 10), Kind: notify.KindTest, Customer: customer,
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
	if _, err := s.st.Enqueue(ctx, out); err != nil {
		return "", nil, fmt.Errorf("test notice: %w", err)
	}
	s.out.kick()
	return n.ID, names, nil
}
