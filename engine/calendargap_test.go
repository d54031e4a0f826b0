package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/calendar"
)

// Two customers: one in Delhi with both NTT ACL levels, one in Tokyo.
const nttACLDelhiTokyo = `
timezone: Asia/Kolkata
currency: INR
customers:
  - id: delhi
    services:
      - id: dps
        levels: [ntt/acl-standard, ntt/acl-emergency]
        params: {region: IN-DL}
  - id: tokyo
    services:
      - id: dps
        levels: [ntt/acl-standard]
        params: {region: JP}
`

// The reproduction (issue 12 item 7): an Indian ACL ticket opened
// on 31 December 2026 needs India's 2027 holidays. Before they were in
// the tables the whole evaluation failed ("no holiday data for 2027") and
// no customer was reported. Now 2027 is covered and every level is judged.
func TestIndiaACLOpenedNewYearsEve2026(t *testing.T) {
	tickets := `id,service,kind,opened,responded,fee
D1,delhi/dps,acl-standard,2026-12-31 17:00,2027-01-01 16:00,1000
D2,delhi/dps,acl-emergency,2026-12-31 17:00,2026-12-31 17:45,2000
D3,delhi/dps,acl-standard,2026-12-24 10:00,2026-12-28 10:30,1000
T1,tokyo/dps,acl-standard,2026-12-01 10:00,2026-12-02 09:00,300
`
	r := scenario(t, nttACLDelhiTokyo).records(tickets, "-", "-").eval("2026-12")
	// D1: Thursday 31 Dec 17:00 + 1 business day: Friday 1 January 2027 is
	//     no Central Government holiday (New Year's Day is only a
	//     restricted one): due 2027-01-01 17:00, answered 16:00: met.
	// D3: Thursday 24 Dec 10:00: Friday 25 Dec is Christmas Day, 26-27
	//     the weekend: due Monday 28 Dec 10:00, answered 10:30: missed ->
	//     50% of 1000 = 500.00 INR.
	checkTimed(t, level(t, r, "delhi/dps", "ntt/acl-standard"), tw{met: "false", pct: "per item", credit: "500.00",
		items: "D3:false/500.00 D1:true/"})
	if l := level(t, r, "delhi/dps", "ntt/acl-standard"); l.Items[1].Deadline != "2027-01-01T17:00:00+05:30" {
		t.Errorf("D1 deadline %s, want 2027-01-01T17:00:00+05:30", l.Items[1].Deadline)
	}
	// D2: 45 minutes on a 30-minute target: missed -> 50% of 2000 = 1000.00.
	checkTimed(t, level(t, r, "delhi/dps", "ntt/acl-emergency"), tw{met: "false", pct: "per item", credit: "1000.00",
		items: "D2:false/1000.00"})
	// T1: Tuesday 1 Dec 10:00, counted in the contract's zone (the ticket
	//     names none) on the JP calendar: due Wednesday 2 Dec 10:00,
	//     answered 09:00: met.
	checkTimed(t, level(t, r, "tokyo/dps", "ntt/acl-standard"), tw{met: "true", pct: "0", credit: "0.00", items: "T1:true/"})
}

// A ticket whose deadline falls in a year a region's holidays do not
// cover leaves only its own level undetermined, with a reason naming the
// region and the year; the other levels of its service, and the other
// customers, are judged as usual. The year is the one after the last
// IN-DL covers, so the test keeps its meaning when a year is added.
func TestMissingHolidayYearUndeterminesOnlyItsLevel(t *testing.T) {
	cov, err := calendar.CoverageOf("IN-DL")
	if err != nil {
		t.Fatal(err)
	}
	y := cov.Last // 2027 when written
	tickets := fmt.Sprintf(`id,service,kind,opened,responded,fee
D1,delhi/dps,acl-standard,%[1]d-12-31 17:00,%[2]d-01-03 16:00,1000
D2,delhi/dps,acl-emergency,%[1]d-12-31 17:00,%[1]d-12-31 17:45,2000
D3,delhi/dps,acl-standard,%[1]d-12-01 10:00,%[1]d-12-02 10:30,1000
T1,tokyo/dps,acl-standard,%[1]d-12-01 10:00,%[1]d-12-02 09:00,300
`, y, y+1)
	r := scenario(t, nttACLDelhiTokyo).records(tickets, "-", "-").eval(fmt.Sprintf("%d-12", y))
	// D1: 31 December + 1 business day needs the first weekday of y+1,
	//     which no table covers: its deadline is unknown, and so is the
	//     level's month. D3 (1 Dec + 1 = 2 Dec, answered 30 min late; 1-2
	//     December are weekdays and no holiday in any year) is still a
	//     certain miss: 50% of 1000 = 500.00 INR, owed whatever D1 turns out to be.
	l := level(t, r, "delhi/dps", "ntt/acl-standard")
	checkTimed(t, l, tw{met: "null", pct: "per item", credit: "500.00", items: "D3:false/500.00 D1:null/"})
	reason := fmt.Sprintf("undetermined: calendar IN-DL: no holiday data for %d (covered: %d to %d): the deadline of D1", y+1, cov.First, cov.Last)
	if !hasPrefix(l.Reasons, reason) {
		t.Errorf("reasons %q\nwant one starting %q", l.Reasons, reason)
	}
	if n := strings.Join(l.Items[1].Notes, "; "); !strings.Contains(n, fmt.Sprintf("no holiday data for %d", y+1)) {
		t.Errorf("D1 notes %q do not name the year", n)
	}
	// D2 needs no calendar: judged (45 min on 30: missed, 1000).
	checkTimed(t, level(t, r, "delhi/dps", "ntt/acl-emergency"), tw{met: "false", pct: "per item", credit: "1000.00",
		items: "D2:false/1000.00"})
	checkTimed(t, level(t, r, "tokyo/dps", "ntt/acl-standard"), tw{met: "true", pct: "0", credit: "0.00", items: "T1:true/"})
	if c := r.Customers[0]; c.ID != "delhi" || c.Open != 1 || c.Missed != 1 || c.Credit != "1500.00" {
		t.Errorf("delhi: %d undetermined, %d missed, credit %s; want 1, 1, 1500.00", c.Open, c.Missed, c.Credit)
	}
}

// A delivery whose commitment runs into an uncovered year is undetermined
// the same way, instead of failing the evaluation.
func TestMissingHolidayYearDelivery(t *testing.T) {
	cov, err := calendar.CoverageOf("SG")
	if err != nil {
		t.Fatal(err)
	}
	y := cov.Last
	c := strings.Replace(strings.Replace(aryDelivery, "%s", "enterprise", 1), "region: JP", "region: SG", 1)
	// O1 accepted 15 December of the last covered year, ready 5 January
	// of the next: its 20 business days and the days it took both need
	// the next year's holidays.
	events := fmt.Sprintf("id,service,kind,start,end\nO1,acme/lmc,delivery,%[1]d-12-15 09:00,%[2]d-01-05 09:00\n", y, y+1)
	r := scenario(t, c).records("-", events, "-").eval(fmt.Sprintf("%d-01", y+1))
	l := level(t, r, "acme/lmc", "aryaka/lmc-delivery")
	checkTimed(t, l, tw{met: "null", pct: "0", credit: "0", items: "O1:null/"})
	if want := fmt.Sprintf("undetermined: calendar SG: no holiday data for %d", y+1); !hasPrefix(l.Reasons, want) {
		t.Errorf("reasons %q\nwant one starting %q", l.Reasons, want)
	}
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
