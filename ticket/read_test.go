package ticket

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/race"
)

var tokyo = mustZone("Asia/Tokyo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestReadTickets(t *testing.T) {
	in := "id,service,kind,channel,opened,responded,resolved,timezone,fee,included,location_class,access,cause\n" +
		"T1,acme/dps,mitigation-request,phone,2026-10-02 10:00,2026-10-02 10:30,,,,,,,\n" +
		"T2,acme/dps,acl-standard,email,2026-10-02T17:00:00+09:00,,,America/New_York,150.00,yes,,,INC-1\n" +
		"T3,acme/lmc,lmc-fault,,2026-10-03 01:00:30,,2026-10-03 06:00,UTC,,,B,dual,\n"
	got, err := ReadTickets(strings.NewReader(in), "t.csv", tokyo)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d tickets, want 3", len(got))
	}
	// A local time is read in the contract's zone; an offset wins over the
	// timezone column, which still sets the ticket's zone.
	if want := time.Date(2026, 10, 2, 10, 0, 0, 0, tokyo); !got[0].Opened.Equal(want) {
		t.Errorf("T1 opened %v, want %v", got[0].Opened, want)
	}
	if got[1].Zone.String() != "America/New_York" || !got[1].Included || got[1].Fee.String() != "150" || got[1].Cause != "INC-1" {
		t.Errorf("T2 = %+v", got[1])
	}
	if want := time.Date(2026, 10, 3, 1, 0, 30, 0, time.UTC); !got[2].Opened.Equal(want) || got[2].LocationClass != "B" {
		t.Errorf("T3 = %+v", got[2])
	}
}

func TestReadErrors(t *testing.T) {
	head := "id,service,kind,channel,opened,responded,resolved\n"
	for _, tc := range []struct{ in, want string }{
		{"", "t.csv:1: empty file: want a header row"},
		{"id,service,kind,colour\n", "t.csv:1: colour: unknown column"},
		{"id,service,opened\n", "t.csv:1: kind: required column missing"},
		{"id,id,service,kind,opened\n", "t.csv:1: id: repeated column"},
		{head + "T1,acme/dps,mitigation-request,phone,2026-10-02 10:00,2026-10-02 09:59,\n",
			"t.csv:2: responded: 2026-10-02T09:59:00+09:00 is before opened 2026-10-02T10:00:00+09:00"},
		{head + "T1,acme/dps,mitigation-request,phone,2026-10-02 10:00,,2026-10-01 10:00\n",
			"t.csv:2: resolved: 2026-10-01T10:00:00+09:00 is before opened"},
		{head + "T1,acme/dps,mitigation-request,fax,2026-10-02 10:00,,\n", `t.csv:2: channel: "fax" is not one of phone, email`},
		{head + "T1,acme/dps,mitigation-request,,2026-10-02 10:00,,\n", "t.csv:2: channel: required for a mitigation-request"},
		{head + "T1,acme/dps,coffee,,2026-10-02 10:00,,\n", `t.csv:2: kind: "coffee" is not one of mitigation-request`},
		{head + "T1,acme,acl-standard,,2026-10-02 10:00,,\n", `t.csv:2: service: "acme": want customer/service`},
		{head + "T1,acme/dps,acl-standard,,2026-10-02,,\n", `t.csv:2: opened: "2026-10-02" is not RFC 3339`},
		{head + "T1,acme/dps,acl-standard,,,,\n", "t.csv:2: opened: required"},
		{head + "T1,acme/dps,acl-standard,,2026-10-02 10:00,,\nT1,acme/dps,acl-standard,,2026-10-02 10:00,,\n",
			`t.csv:3: id: "T1" repeats the id of line 2`},
		{head + "T1,acme/dps,acl-standard,,2026-10-02 10:00\n", "t.csv:2: wrong number of fields"},
		{"id,service,kind,opened,fee\nT1,a/b,acl-standard,2026-10-02 10:00,1e3\n", `t.csv:2: fee: "1e3" is not a non-negative decimal`},
		{"id,service,kind,opened,fee\nT1,a/b,acl-standard,2026-10-02 10:00,-5\n", `t.csv:2: fee: "-5" is not a non-negative decimal`},
		{"id,service,kind,opened,timezone\nT1,a/b,acl-standard,2026-10-02 10:00,Mars/Olympus\n", `t.csv:2: timezone: "Mars/Olympus" is not a known IANA time zone`},
		{"id,service,kind,opened,included\nT1,a/b,acl-standard,2026-10-02 10:00,maybe\n", `t.csv:2: included: "maybe" is not true or false`},
		{"id,service,kind,opened,location_class\nT1,a/b,lmc-fault,2026-10-02 10:00,E\n", `t.csv:2: location_class: "E" is not one of A, B, C, D, RE`},
	} {
		_, err := ReadTickets(strings.NewReader(tc.in), "t.csv", tokyo)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestReadEventsAndClaims(t *testing.T) {
	ev := "id,service,kind,start,end,cause,ref\n" +
		"E1,acme/anap,failover,2026-10-05 03:00,2026-10-05 03:05,INC-9,\n" +
		"E2,acme/anap,failover,2026-10-05 03:00,,INC-9,\n"
	_, err := ReadEvents(strings.NewReader(ev), "e.csv", tokyo)
	if err == nil || err.Error() != "e.csv:3: end: required for a failover (when the standby took over)" {
		t.Errorf("got %v", err)
	}
	got, err := ReadEvents(strings.NewReader(ev[:strings.LastIndex(ev[:len(ev)-1], "\n")+1]), "e.csv", tokyo)
	if err != nil || len(got) != 1 || got[0].End.Sub(got[0].Start) != 5*time.Minute {
		t.Fatalf("got %+v, %v", got, err)
	}
	cl := "id,service,submitted,confirmed,description\nC1,acme/anap,2026-11-03 09:00,2026-11-02 09:00,x\n"
	if _, err := ReadClaims(strings.NewReader(cl), "c.csv", tokyo); err == nil ||
		!strings.HasPrefix(err.Error(), "c.csv:2: confirmed: 2026-11-02T09:00:00+09:00 is before submitted") {
		t.Errorf("got %v", err)
	}
}

func TestFileTooLarge(t *testing.T) {
	race.SkipHeavy(t, "a file past the size limit read")
	var b strings.Builder
	b.WriteString("id,service,kind,opened,note\n")
	pad := strings.Repeat("x", 1000)
	for i := 0; b.Len() <= MaxFileSize; i++ {
		fmt.Fprintf(&b, "T%d,a/b,lmc-fault,2026-10-02 10:00,%s\n", i, pad)
	}
	_, err := ReadTickets(strings.NewReader(b.String()), "big.csv", tokyo)
	if err == nil || !strings.Contains(err.Error(), "file larger than") {
		t.Fatalf("got %v", err)
	}
}
