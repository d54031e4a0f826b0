package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
)

// The month to date does not call missed what is not yet due: an outage
// detected at 00:10 whose notice is due by 00:40 is neither met nor
// missed at 00:10:20 (the IIJ notification level's item), and missed
// once 00:40 has passed without a notice.
func TestLiveReportNotYetDue(t *testing.T) {
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.setClock(time.Unix((t0+10)*60+20, 0))
	h.deliver(agent, minutesOf(t0, t0+10, func(m int64) bool { return m >= t0+5 }))
	h.waitJudged(t0 + 10)
	item := func() (*bool, string, bool) {
		var rep struct {
			Customers []struct {
				Services []struct {
					ID     string
					Levels []struct {
						Template string
						Items    []struct {
							Met   *bool
							Notes []string
						}
					}
				}
			}
		}
		h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10", h.op, nil, &rep)
		for _, s := range rep.Customers[0].Services {
			for _, l := range s.Levels {
				if s.ID == "internet-tokyo" && l.Template == "iij/outage-notification" && len(l.Items) == 1 {
					return l.Items[0].Met, strings.Join(l.Items[0].Notes, "; "), true
				}
			}
		}
		return nil, "", false
	}
	// the outage reaches the live report as soon as the judging has
	// handed the minute on
	h.waitFor("the outage in the report", func() bool { _, _, ok := item(); return ok })
	// 00:40:00 - 00:10:20 = 29m40s
	if met, notes, _ := item(); met != nil || !strings.Contains(notes, "not yet due: 29m40s left") {
		t.Errorf("at 00:10:20: met %v, notes %q; want neither, not yet due", met, notes)
	}
	h.setClock(time.Unix((t0+41)*60, 0))
	if met, notes, _ := item(); met == nil || *met || !strings.Contains(notes, "no notice recorded") {
		t.Errorf("at 00:41: met %v, notes %q; want missed, no notice", met, notes)
	}
}
