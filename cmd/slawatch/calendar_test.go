package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/calendar"
	"github.com/slawatch/slawatch/report"
)

const aclDelhiTokyo = `timezone: Asia/Kolkata
currency: INR
customers:
  - id: delhi
    services:
      - id: dps
        levels: [ntt/acl-standard, ntt/acl-emergency]
        params: {region: IN}
  - id: tokyo
    services:
      - id: dps
        levels: [ntt/acl-standard]
        params: {region: JP}
`

// evaluateACL runs evaluate on the Delhi/Tokyo contract with tickets for
// month and returns its exit code, report and stderr.
func evaluateACL(t *testing.T, month, tickets string) (int, report.Report, string) {
	t.Helper()
	c := writeFile(t, "acl.yaml", aclDelhiTokyo)
	k := writeFile(t, "tickets.csv", tickets)
	code, out, errs := run(t, "", "evaluate", "--contract", c, "--month", month, "--tickets", k, "--format", "json")
	var r report.Report
	if code == 0 {
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
	}
	return code, r, errs
}

// Issue 12 item 7: one Indian ACL ticket opened on 31 December 2026 made
// evaluate exit 1 ("calendar IN: no holiday data for 2027"), losing every
// customer's report. With India's 2027 holidays it evaluates: Friday
// 1 January 2027 is a business day in India, so the ticket is due then.
func TestEvaluateIndianTicketOpenedNewYearsEve2026(t *testing.T) {
	code, r, errs := evaluateACL(t, "2026-12", `id,service,kind,opened,responded,fee
D1,delhi/dps,acl-standard,2026-12-31 17:00,2027-01-01 16:00,1000
D2,delhi/dps,acl-emergency,2026-12-31 17:00,2026-12-31 17:20,2000
T1,tokyo/dps,acl-standard,2026-12-01 10:00,2026-12-02 09:00,300
`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if len(r.Customers) != 2 {
		t.Fatalf("%d customers reported, want 2", len(r.Customers))
	}
	l := r.Customers[0].Services[0].Levels[0]
	if l.Met == nil || !*l.Met || l.Items[0].Deadline != "2027-01-01T17:00:00+05:30" {
		t.Errorf("delhi acl-standard: met %v, items %+v", l.Met, l.Items)
	}
}

// A ticket past the last year a region covers leaves only its level
// undetermined, with the region and year in the reason; evaluate exits 0
// and reports every other level and customer.
func TestEvaluateMissingHolidayYear(t *testing.T) {
	cov, err := calendar.CoverageOf("IN")
	if err != nil {
		t.Fatal(err)
	}
	y := cov.Last
	code, r, errs := evaluateACL(t, fmt.Sprintf("%d-12", y), fmt.Sprintf(`id,service,kind,opened,responded,fee
D1,delhi/dps,acl-standard,%[1]d-12-31 17:00,,1000
D2,delhi/dps,acl-emergency,%[1]d-12-31 17:00,%[1]d-12-31 17:20,2000
T1,tokyo/dps,acl-standard,%[1]d-12-01 10:00,%[1]d-12-02 09:00,300
`, y))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	delhi, tokyo := r.Customers[0], r.Customers[1]
	acl, emergency := delhi.Services[0].Levels[0], delhi.Services[0].Levels[1]
	want := fmt.Sprintf("calendar IN: no holiday data for %d", y+1)
	if acl.Met != nil || !strings.Contains(strings.Join(acl.Reasons, "\n"), want) {
		t.Errorf("delhi acl-standard: met %v, reasons %q; want undetermined naming %q", acl.Met, acl.Reasons, want)
	}
	// D2: 20 minutes on a 30-minute target; T1 due 2 Dec 10:00, answered 09:00.
	if emergency.Met == nil || !*emergency.Met || tokyo.Met != 1 || delhi.Open != 1 || delhi.Met != 1 {
		t.Errorf("emergency met %v; delhi %d met %d undetermined; tokyo %d met", emergency.Met, delhi.Met, delhi.Open, tokyo.Met)
	}
}

// slawatch calendar lists every region with the years it covers.
func TestCalendarCommand(t *testing.T) {
	code, out, errs := run(t, "", "calendar")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "REGION") {
		t.Errorf("header %q", lines[0])
	}
	for _, want := range []string{
		"IN      2025-2027  ",
		"IN-DL   2025-2027",
		"JP      2023-2032",
		"SG      2025-2027",
		"GB      2023-2099  UK, GB-ENG, GB-WLS",
	} {
		region, _, _ := strings.Cut(want, " ")
		found := ""
		for _, l := range lines {
			if strings.HasPrefix(l, region+" ") {
				found = l
			}
		}
		if !strings.HasPrefix(found, want) {
			t.Errorf("row %q, want it to start %q\n%s", found, want, out)
		}
	}
	code, out, _ = run(t, "", "calendar", "--format", "json")
	var rows []calendar.Coverage
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != len(lines)-1 {
		t.Errorf("json: exit %d, %d rows for %d table rows: %s", code, len(rows), len(lines)-1, out)
	}
	if code, _, errs := run(t, "", "calendar", "extra"); code != 2 || !strings.Contains(errs, "calendar") {
		t.Errorf("calendar extra: exit %d, %q", code, errs)
	}
}
