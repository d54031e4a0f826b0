package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/report"
)

// Golden scenarios for the value levels (monthly aggregates), the IIJ
// data-centre and exemption rules, partial-minute exclusions, month
// lengths and currency rounding. Every expected number is worked by hand
// in the comment above its check.

// valPCLoss is one PrivateCore link with 4 remote sites:
// link service fee = MRC / remote sites = 2000 / 4 = 500 USD.
const valPCLoss = `
timezone: Asia/Tokyo
currency: USD
customers:
  - id: acme
    services:
      - id: link
        template: aryaka/privatecore-loss
        inputs: {path: p1}
        params: {remote_sites: "4"}
        fees: {mrc: "2000"}
`

func valHasReason(t *testing.T, reasons []string, sub string) {
	t.Helper()
	for _, r := range reasons {
		if strings.Contains(r, sub) {
			return
		}
	}
	t.Errorf("no reason contains %q:\n  %s", sub, strings.Join(reasons, "\n  "))
}

// July 2026 in Tokyo: 31 days = 44,640 minutes at 60 pings. 45 minutes send
// only 6 pings each, all lost (100%).
// mean of minute losses = 45*100/44,640 = 0.1008064...% > 0.1 -> missed;
// credit 10% of 2000/4 = 50.00 USD.
// Pooled lost/sent would be 270 / (44,595*60 + 270) = 270/2,675,970 =
// 0.0101% and met: the two differ and the seed says mean of minutes.
func TestValueAryakaLossMeanOfMinutesNotPooled(t *testing.T) {
	f := scenario(t, valPCLoss).month("2026-07", "p1", 60, 20000)
	f.outage("p1", "2026-07-08 10:00", "2026-07-08 10:45", 6, 6, 0)
	check(t, level(t, f.eval("2026-07"), "acme/link", "aryaka/privatecore-loss"), want{
		measured: 44640, value: "0.100806", met: "false", pct: "10", credit: "50.00"})
}

// 44 minutes lose 60 of 60 (100%) and one minute loses 16 of 25 (64%):
// sum = 44*100 + 64 = 4,464 -> mean = 4,464/44,640 = 0.1 exactly.
// Objective "< 0.1" fails -> met false; credit "> 0.1" fails -> no credit.
func TestValueAryakaLossExactlyPointOne(t *testing.T) {
	f := scenario(t, valPCLoss).month("2026-07", "p1", 60, 20000)
	f.outage("p1", "2026-07-08 10:00", "2026-07-08 10:44", 60, 60, 0)
	f.outage("p1", "2026-07-09 10:00", "2026-07-09 10:01", 25, 16, 20000)
	check(t, level(t, f.eval("2026-07"), "acme/link", "aryaka/privatecore-loss"), want{
		measured: 44640, value: "0.100000", met: "false", pct: "0", credit: "0.00"})
}

// 2026-07-10 is unknown all day: 1,440 minutes, 43,200 measured.
// 44 minutes at 100%: mean = 4,400/43,200 = 0.1018518...% > 0.1 -> credit
// 10% of 500 = 50.00 USD. (Counting the unknown day in the denominator
// would give 4,400/44,640 = 0.0986% and no credit.)
func TestValueAryakaLossUnknownLeftOut(t *testing.T) {
	f := scenario(t, valPCLoss).month("2026-07", "p1", 60, 20000)
	f.gap("p1", "2026-07-10 00:00", "2026-07-11 00:00")
	f.outage("p1", "2026-07-12 10:00", "2026-07-12 10:44", 60, 60, 0)
	check(t, level(t, f.eval("2026-07"), "acme/link", "aryaka/privatecore-loss"), want{
		unknown: 1440, measured: 43200, value: "0.101852", met: "false", pct: "10", credit: "50.00"})
}

// Maintenance 02:00-04:00 announced 5 days ahead (>= 48 h): honoured, its
// 120 minutes at 100% loss leave the mean. 40 other minutes at 100%:
// mean = 4,000 / (44,640-120) = 4,000/44,520 = 0.0898472...% < 0.1 -> met.
// (Without the exclusion: 16,000/44,640 = 0.358% -> missed.)
func TestValueAryakaLossExcludedWindow(t *testing.T) {
	f := scenario(t, valPCLoss+`
exclusions:
  - {start: "2026-07-15T02:00:00+09:00", end: "2026-07-15T04:00:00+09:00",
     announced: "2026-07-10T12:00:00+09:00", kind: maintenance, reason: POP upgrade}
`).month("2026-07", "p1", 60, 20000)
	f.outage("p1", "2026-07-15 02:00", "2026-07-15 04:00", 60, 60, 0)
	f.outage("p1", "2026-07-20 10:00", "2026-07-20 10:40", 60, 60, 0)
	l := level(t, f.eval("2026-07"), "acme/link", "aryaka/privatecore-loss")
	check(t, l, want{excluded: 120, measured: 44520, value: "0.089847", met: "true", pct: "0", credit: "0.00"})
	valHasReason(t, l.Reasons, "excluded 120 minutes")
}

// February 2027: 28 days = 40,320 minutes. 41 minutes at 100%:
// mean = 4,100/40,320 = 0.1016865...% > 0.1 -> credit 50.00 USD.
// (Over a 31-day month it would be 4,100/44,640 = 0.0918% and met.)
func TestValueAryakaLossFebruary(t *testing.T) {
	f := scenario(t, valPCLoss).month("2027-02", "p1", 60, 20000)
	f.outage("p1", "2027-02-10 10:00", "2027-02-10 10:41", 60, 60, 0)
	r := f.eval("2027-02")
	if r.MonthMinutes != 40320 {
		t.Errorf("month minutes: got %d, want 40320", r.MonthMinutes)
	}
	check(t, level(t, r, "acme/link", "aryaka/privatecore-loss"), want{
		measured: 40320, value: "0.101687", met: "false", pct: "10", credit: "50.00"})
}

// valPCJitter binds two jitter levels on the same path: service "a" with
// threshold ta ms and "b" with tb ms. Link fee = 1000/2 = 500 USD.
func valPCJitter(ta, tb string) string {
	return fmt.Sprintf(`
timezone: Asia/Tokyo
currency: USD
customers:
  - id: acme
    services:
      - id: a
        template: aryaka/privatecore-jitter
        inputs: {path: p1}
        params: {remote_sites: "2", jitter_threshold_ms: "%s"}
        fees: {mrc: "1000"}
      - id: b
        template: aryaka/privatecore-jitter
        inputs: {path: p1}
        params: {remote_sites: "2", jitter_threshold_ms: "%s"}
        fees: {mrc: "1000"}
`, ta, tb)
}

// June 2026: 43,200 minutes. Every minute: 30 pings at 10 ms, 30 at 14 ms
// and 2 lost (no RTT). Mean 12 ms, every ping 2 ms away -> population
// stddev = 2.000 ms exactly.
// a: threshold 2   -> 2 <= 2 met; credit "> 2" false -> none.
// b: threshold 1.9 -> missed; credit 10% of 500 = 50.00 USD.
func TestValueAryakaJitterAtThreshold(t *testing.T) {
	f := scenario(t, valPCJitter("2", "1.9")).month("2026-06", "p1", 30, 10000)
	f.pings("p1", "2026-06-01 00:00", "2026-07-01 00:00", 32, 2, 14000)
	r := f.eval("2026-06")
	check(t, level(t, r, "acme/a", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "2.000", met: "true", pct: "0", credit: "0.00"})
	check(t, level(t, r, "acme/b", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "2.000", met: "false", pct: "10", credit: "50.00"})
}

// June 1-15: every ping 10 ms; June 16-30: every ping 14 ms (21,600
// minutes x 60 pings each). Each minute's own deviation is 0, so a mean of
// per-minute deviations would be 0; over all pings of the month half are
// at 10 and half at 14 -> stddev = 2.000 ms.
// a: threshold 1.5 -> 2 > 1.5 missed, credit 50.00; b: 2 -> met, none.
func TestValueAryakaJitterWholeMonthNotPerMinute(t *testing.T) {
	f := scenario(t, valPCJitter("1.5", "2")).month("2026-06", "p1", 60, 10000)
	f.outage("p1", "2026-06-16 00:00", "2026-07-01 00:00", 60, 0, 14000)
	r := f.eval("2026-06")
	check(t, level(t, r, "acme/a", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "2.000", met: "false", pct: "10", credit: "50.00"})
	check(t, level(t, r, "acme/b", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "2.000", met: "true", pct: "0", credit: "0.00"})
}

// Every minute: 15 pings at 10 ms, 45 at 14 ms. Mean = (150+630)/60 = 13;
// variance = (15*9 + 45*1)/60 = 3 -> stddev = sqrt(3) = 1.7320508... ms,
// printed 1.732.
// a: threshold 1.732: 1.732^2 = 2.999824 < 3 -> above: missed, 50.00.
// b: threshold 1.733: 1.733^2 = 3.003289 > 3 -> met, no credit.
func TestValueAryakaJitterIrrational(t *testing.T) {
	f := scenario(t, valPCJitter("1.732", "1.733")).month("2026-06", "p1", 15, 10000)
	f.pings("p1", "2026-06-01 00:00", "2026-07-01 00:00", 45, 0, 14000)
	r := f.eval("2026-06")
	check(t, level(t, r, "acme/a", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "1.732", met: "false", pct: "10", credit: "50.00"})
	check(t, level(t, r, "acme/b", "aryaka/privatecore-jitter"), want{
		measured: 43200, value: "1.732", met: "true", pct: "0", credit: "0.00"})
}

// Three latency levels on one path, link fee = 1000/2 = 500 USD:
// "seed" keeps the default aggregate (stddev, as the seed is written),
// "mean" and "mean12" set latency_aggregate: mean.
const valPCLatency = `
timezone: Asia/Tokyo
currency: USD
customers:
  - id: acme
    services:
      - id: seed
        template: aryaka/privatecore-latency
        inputs: {path: p1}
        params: {remote_sites: "2", latency_threshold_ms: "5"}
        fees: {mrc: "1000"}
      - id: mean
        template: aryaka/privatecore-latency
        inputs: {path: p1}
        params: {remote_sites: "2", latency_threshold_ms: "5", latency_aggregate: mean}
        fees: {mrc: "1000"}
      - id: mean12
        template: aryaka/privatecore-latency
        inputs: {path: p1}
        params: {remote_sites: "2", latency_threshold_ms: "12", latency_aggregate: mean}
        fees: {mrc: "1000"}
`

// Every minute of June 2026: 30 pings at 10 ms, 30 at 14 ms.
// seed (stddev): 2.000 ms <= 5 -> met, no credit.
// mean: 12.000 ms > 5 -> missed, credit 10% of 500 = 50.00 USD.
// mean12: 12.000 <= 12 -> met; credit "> 12" false -> none.
func TestValueAryakaLatencyAggregate(t *testing.T) {
	f := scenario(t, valPCLatency).month("2026-06", "p1", 30, 10000)
	f.pings("p1", "2026-06-01 00:00", "2026-07-01 00:00", 30, 0, 14000)
	r := f.eval("2026-06")
	check(t, level(t, r, "acme/seed", "aryaka/privatecore-latency"), want{
		measured: 43200, value: "2.000", met: "true", pct: "0", credit: "0.00"})
	check(t, level(t, r, "acme/mean", "aryaka/privatecore-latency"), want{
		measured: 43200, value: "12.000", met: "false", pct: "10", credit: "50.00"})
	check(t, level(t, r, "acme/mean12", "aryaka/privatecore-latency"), want{
		measured: 43200, value: "12.000", met: "true", pct: "0", credit: "0.00"})
}

// Appendix A is not in the seed: a contract without latency_threshold_ms
// is rejected, naming the parameter.
func TestValueAryakaLatencyThresholdRequired(t *testing.T) {
	c, err := contract.Parse(strings.NewReader(`
timezone: Asia/Tokyo
currency: USD
customers:
  - id: acme
    services:
      - id: link
        template: aryaka/privatecore-latency
        inputs: {path: p1}
        params: {remote_sites: "2"}
        fees: {mrc: "1000"}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Bind(cat); err == nil || !strings.Contains(err.Error(), "latency_threshold_ms") {
		t.Errorf("bind error: got %v, want one naming latency_threshold_ms", err)
	}
}

// valLMC is one DIA last mile, MRC 300 USD: credit 5% = 15.00 USD.
const valLMC = `
timezone: Asia/Tokyo
currency: USD
customers:
  - id: acme
    services:
      - id: dia
        template: aryaka/lmc-loss
        inputs: {link: l1}
        fees: {mrc: "300"}
`

// valHalfBlocks makes n consecutive 5-minute blocks from start lose half
// their pings: the block's first minute sends 240 pings, all lost; the
// other four keep 60 pings each, none lost -> 240/480 = 50%.
func valHalfBlocks(f *feed, series, start string, n int) {
	t := f.at(start)
	for i := 0; i < n; i++ {
		f.set(series, t.Add(time.Duration(5*i)*time.Minute), 240, 240, 0)
	}
}

// June 2026: 43,200 minutes = 8,640 five-minute blocks at 60 pings/min.
// 3,456 blocks (June 1-12) at 50% -> month = 3,456*50/8,640 = 20 exactly:
// "<= 20" met, "> 20" no credit. (Mean of minute losses would be
// 3,456*100/43,200 = 8%; lost/sent over the month 829,440/3,214,080 =
// 25.8% and would credit.)
// One more such block: 3,457*50/8,640 = 20.005787...% -> credit 5% of
// 300 = 15.00 USD.
func TestValueAryakaLMCLossBlocks(t *testing.T) {
	f := scenario(t, valLMC).month("2026-06", "l1", 60, 8000)
	valHalfBlocks(f, "l1", "2026-06-01 00:00", 3456)
	check(t, level(t, f.eval("2026-06"), "acme/dia", "aryaka/lmc-loss"), want{
		measured: 43200, value: "20.000000", met: "true", pct: "0", credit: "0.00"})
	valHalfBlocks(f, "l1", "2026-06-20 10:00", 1)
	check(t, level(t, f.eval("2026-06"), "acme/dia", "aryaka/lmc-loss"), want{
		measured: 43200, value: "20.005787", met: "false", pct: "5", credit: "15.00"})
}

// Blocks are clock-aligned (xx:00-xx:05, ...). On June 2, 10:00-10:03 is
// unknown and 10:03-10:05 loses every ping: block 10:00 = 120/120 = 100%.
// 11:00-11:05 is unknown: that block has no data and is left out.
// month = 100 / (8,640-1) = 0.0115754...%; unknown 3+5 = 8 minutes.
func TestValueAryakaLMCLossAlignedBlocks(t *testing.T) {
	f := scenario(t, valLMC).month("2026-06", "l1", 60, 8000)
	f.gap("l1", "2026-06-02 10:00", "2026-06-02 10:03")
	f.outage("l1", "2026-06-02 10:03", "2026-06-02 10:05", 60, 60, 0)
	f.gap("l1", "2026-06-02 11:00", "2026-06-02 11:05")
	check(t, level(t, f.eval("2026-06"), "acme/dia", "aryaka/lmc-loss"), want{
		unknown: 8, measured: 43192, value: "0.011575", met: "true", pct: "0", credit: "0.00"})
}

// October 2026 in Europe/Berlin ends summer time on the 25th: 31 days + 1
// hour = 44,700 minutes = 8,940 blocks. The first 8,940 minutes (Oct 1
// 00:00 to Oct 7 05:00) lose every ping: 1,788 blocks at 100% ->
// 178,800/8,940 = 20 exactly -> met, no credit. (Taking the month as
// 44,640 minutes = 8,928 blocks would give 20.03% and a credit.)
func TestValueAryakaLMCLossDSTMonth(t *testing.T) {
	f := scenario(t, strings.Replace(strings.Replace(valLMC, "Asia/Tokyo", "Europe/Berlin", 1),
		"USD", "EUR", 1)).month("2026-10", "l1", 60, 8000)
	f.outage("l1", "2026-10-01 00:00", "2026-10-07 05:00", 60, 60, 0)
	r := f.eval("2026-10")
	if r.MonthMinutes != 44700 {
		t.Errorf("month minutes: got %d, want 44700", r.MonthMinutes)
	}
	check(t, level(t, r, "acme/dia", "aryaka/lmc-loss"), want{
		measured: 44700, value: "20.000000", met: "true", pct: "0", credit: "0.00"})
}

// valBackbone binds hub-to-NOC paths; the seed states no credit and the
// contract supplies none.
const valBackbone = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: iij
    services:
      - id: backbone
        template: iij/backbone-latency
        inputs: {paths: [tokyo-osaka, shibuya-sapporo, osaka-osaka, tokyo-sendai]}
`

// November 2026: 43,200 minutes.
// tokyo-osaka: 60 pings/min at 50 ms (one hour 100% lost: no RTT);
// shibuya-sapporo: 2 pings/min at 20 ms; osaka-osaka: 2 pings/min, one
// lost, one at 20 ms; tokyo-sendai: never answers -> left out (reason).
// month = (50 + 20 + 20) / 3 = 30.000 ms <= 30 -> met. Every path weighs
// the same: pooling the pings would give (60*50+2*20+20)/63 = 48.6 ms.
// No credit in the seed: pct 0, credit 0 JPY.
func TestValueIIJBackbonePathMean(t *testing.T) {
	f := scenario(t, valBackbone).month("2026-11", "tokyo-osaka", 60, 50000)
	f.month("2026-11", "shibuya-sapporo", 2, 20000)
	f.month("2026-11", "osaka-osaka", 1, 20000).pings("osaka-osaka", "2026-10-31 00:00", "2026-12-02 00:00", 1, 1, 0)
	f.pings("tokyo-sendai", "2026-11-01 00:00", "2026-12-01 00:00", 2, 2, 0)
	f.outage("tokyo-osaka", "2026-11-05 03:00", "2026-11-05 04:00", 60, 60, 0)
	l := level(t, f.eval("2026-11"), "iij/backbone", "iij/backbone-latency")
	check(t, l, want{measured: 43200, value: "30.000", met: "true", pct: "0", credit: "0"})
	valHasReason(t, l.Reasons, "paths without a successful ping")
	valHasReason(t, l.Reasons, "states no credit")
	// the per-path matrix the public page shows: each path's own mean and
	// successful pings. tokyo-osaka: 43,200 - 60 minutes at 60 pings =
	// 2,588,400 pings at 50 ms; shibuya-sapporo: 43,200 × 2 = 86,400 at
	// 20 ms; osaka-osaka: one of its two a minute answers, 43,200 at 20 ms;
	// tokyo-sendai: none, no figure
	want := []report.PathJSON{{Series: "tokyo-osaka", LatencyMs: "50.000", Pings: 2_588_400},
		{Series: "shibuya-sapporo", LatencyMs: "20.000", Pings: 86_400},
		{Series: "osaka-osaka", LatencyMs: "20.000", Pings: 43_200}, {Series: "tokyo-sendai", Pings: 0}}
	if !slices.Equal(l.Paths, want) {
		t.Errorf("paths %+v, want %+v", l.Paths, want)
	}
}

// The same with tokyo-osaka at 51 ms: (51 + 20 + 20)/3 = 30.333 ms > 30 ->
// missed, still no credit.
func TestValueIIJBackboneMissedNoCredit(t *testing.T) {
	f := scenario(t, valBackbone).month("2026-11", "tokyo-osaka", 60, 51000)
	f.month("2026-11", "shibuya-sapporo", 2, 20000)
	f.month("2026-11", "osaka-osaka", 2, 20000)
	f.pings("tokyo-sendai", "2026-11-01 00:00", "2026-12-01 00:00", 2, 2, 0)
	l := level(t, f.eval("2026-11"), "iij/backbone", "iij/backbone-latency")
	check(t, l, want{measured: 43200, value: "30.333", met: "false", pct: "0", credit: "0"})
}

const valDC = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: dc
        template: iij/dc-availability
        inputs: {lines: [pri, sec]}
`

// November 2026: 43,200 minutes, both lines pinged every 30 s.
// Nov 3: primary silent an hour, secondary up -> up.
// Nov 4: both silent 2 minutes -> below the 3-minute detection: up.
// Nov 5: both silent 3 minutes -> one outage, 3 down minutes.
// Nov 6: primary unmeasured 5 minutes while the secondary is silent ->
// 5 unknown minutes (not down).
// availability = (43,200 - 3)/43,200 = 99.9930555...%; no credit in the seed.
func TestValueIIJDCEitherLine(t *testing.T) {
	f := scenario(t, valDC).month("2026-11", "pri", 2, 3000).month("2026-11", "sec", 2, 3000)
	f.outage("pri", "2026-11-03 10:00", "2026-11-03 11:00", 2, 2, 0)
	f.outage("pri", "2026-11-04 10:00", "2026-11-04 10:02", 2, 2, 0)
	f.outage("sec", "2026-11-04 10:00", "2026-11-04 10:02", 2, 2, 0)
	f.outage("pri", "2026-11-05 10:00", "2026-11-05 10:03", 2, 2, 0)
	f.outage("sec", "2026-11-05 10:00", "2026-11-05 10:03", 2, 2, 0)
	f.gap("pri", "2026-11-06 10:00", "2026-11-06 10:05")
	f.outage("sec", "2026-11-06 10:00", "2026-11-06 10:05", 2, 2, 0)
	l := level(t, f.eval("2026-11"), "acme/dc", "iij/dc-availability")
	check(t, l, want{down: 3, unknown: 5, measured: 43195, avail: "99.993056", met: "false", pct: "0", credit: "0"})
	if len(l.Outages) != 1 || l.Outages[0].Start != "2026-11-05T10:00:00+09:00" || l.Outages[0].Minutes != 3 {
		t.Errorf("outages: got %+v, want one of 3 minutes from 2026-11-05 10:00", l.Outages)
	}
}

// valIIJInternet: MRC 100,000 JPY, credit table 0 < d <= 60: 10%, > 60: 50%.
const valIIJInternet = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: tokyo
        template: iij/internet-availability
        inputs: {router: r1}
        params: {responsibility_type: "1"}
        fees: {mrc: "100000"}
        credit:
          fee: mrc
          tiers:
            - {above: 0, upto: 60, pct: "10"}
            - {above: 60, pct: "50"}
`

// November 2026: 43,200 minutes.
// Suspension Nov 10 00:00-06:00: honoured (IIJ exemption), 360 silent
// minutes excluded. Maintenance Nov 20 02:00-03:00, announced weeks ahead:
// IIJ names no maintenance exclusion, so its 60 silent minutes are down.
// availability = (42,840 - 60)/42,840 = 99.8599439...%; 60 -> 10% of
// 100,000 = 10,000 JPY.
func TestValueIIJExemptionKinds(t *testing.T) {
	f := scenario(t, valIIJInternet+`
exclusions:
  - {start: "2026-11-10T00:00:00+09:00", end: "2026-11-10T06:00:00+09:00", kind: suspension, reason: unpaid}
  - {start: "2026-11-20T02:00:00+09:00", end: "2026-11-20T03:00:00+09:00",
     announced: "2026-11-01T00:00:00+09:00", kind: maintenance, reason: router swap}
`).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-10 00:00", "2026-11-10 06:00", 2, 2, 0)
	f.outage("r1", "2026-11-20 02:00", "2026-11-20 03:00", 2, 2, 0)
	l := level(t, f.eval("2026-11"), "acme/tokyo", "iij/internet-availability")
	check(t, l, want{down: 60, excluded: 360, measured: 42840, avail: "99.859944", met: "false", pct: "10", credit: "10000"})
	valHasReason(t, l.Reasons, "excluded 360 minutes: suspension")
	valHasReason(t, l.Reasons, "not excluded: maintenance")
	valHasReason(t, l.Reasons, "does not exclude maintenance")
}

// A window from 10:00:30 to 10:02:00 touches minutes 10:00 and 10:01 only.
// Loss level: 10:00-10:03 lose every ping; 10:02 stays in:
// mean = 100 / (44,640-2) = 0.0022402...% -> met.
func TestValueExclusionPartialMinutesLoss(t *testing.T) {
	f := scenario(t, valPCLoss+`
exclusions:
  - {start: "2026-07-03T10:00:30+09:00", end: "2026-07-03T10:02:00+09:00", kind: force-majeure, reason: earthquake}
`).month("2026-07", "p1", 60, 20000)
	f.outage("p1", "2026-07-03 10:00", "2026-07-03 10:03", 60, 60, 0)
	check(t, level(t, f.eval("2026-07"), "acme/link", "aryaka/privatecore-loss"), want{
		excluded: 2, measured: 44638, value: "0.002240", met: "true", pct: "0", credit: "0.00"})
}

// Availability level: silent 10:00-10:10 (one 10-minute outage); the
// suspension 10:00:30-10:02:00 excludes 10:00 and 10:01 -> 8 down minutes.
// availability = (43,198 - 8)/43,198 = 99.9814806...%; 8 -> 10% = 10,000 JPY.
func TestValueExclusionPartialMinutesAvailability(t *testing.T) {
	f := scenario(t, valIIJInternet+`
exclusions:
  - {start: "2026-11-03T10:00:30+09:00", end: "2026-11-03T10:02:00+09:00", kind: suspension, reason: unpaid}
`).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-03 10:00", "2026-11-03 10:10", 2, 2, 0)
	check(t, level(t, f.eval("2026-11"), "acme/tokyo", "iij/internet-availability"), want{
		down: 8, excluded: 2, measured: 43198, avail: "99.981481", met: "false", pct: "10", credit: "10000"})
}

// valRounding: three PrivateCore loss levels on one path, fees and remote
// sites given per service, in currency cur.
func valRounding(cur string, mrc [3]string, sites [3]string) string {
	s := "timezone: Asia/Tokyo\ncurrency: " + cur + "\ncustomers:\n  - id: acme\n    services:\n"
	for i := range mrc {
		s += fmt.Sprintf(`      - id: s%d
        template: aryaka/privatecore-loss
        inputs: {path: p1}
        params: {remote_sites: "%s"}
        fees: {mrc: "%s"}
`, i, sites[i], mrc[i])
	}
	return s
}

// valRoundingMonth: July 2026, 1 ping a minute, 45 minutes lost:
// mean = 4,500/44,640 = 0.1008% > 0.1 -> every service earns 10%.
func valRoundingMonth(t *testing.T, yaml string) []string {
	f := scenario(t, yaml).month("2026-07", "p1", 1, 20000)
	f.outage("p1", "2026-07-08 10:00", "2026-07-08 10:45", 1, 1, 0)
	r := f.eval("2026-07")
	var got []string
	for _, s := range r.Customers[0].Services {
		got = append(got, s.Levels[0].Credit)
	}
	return append(got, r.Customers[0].Credit)
}

// EUR (2 decimals), half-up:
// s0: 10% of 100.05/1 = 10.005 -> 10.01 (half-even or float64 give 10.00)
// s1: 10% of 300.15/3 = 10% of 100.05 = 10.005 -> 10.01
// s2: 10% of 300.14/3 = 10.0046666... -> 10.00
// customer total = 30.02.
// JPY (0 decimals), half-up:
// s0: 10% of 10,005 = 1,000.5 -> 1,001 (half-even: 1,000)
// s1: 10% of 30,015/3 = 1,000.5 -> 1,001
// s2: 10% of 10,004 = 1,000.4 -> 1,000; total 3,002.
// USD like EUR: 10% of 0.05/1 = 0.005 -> 0.01; 10% of 0.14/1 = 0.014 ->
// 0.01; 10% of 0.25/2 = 0.0125 -> 0.01; total 0.03.
func TestValueCurrencyRounding(t *testing.T) {
	for _, c := range []struct {
		cur        string
		mrc, sites [3]string
		want       string
	}{
		{"EUR", [3]string{"100.05", "300.15", "300.14"}, [3]string{"1", "3", "3"}, "10.01 10.01 10.00 30.02"},
		{"JPY", [3]string{"10005", "30015", "10004"}, [3]string{"1", "3", "1"}, "1001 1001 1000 3002"},
		{"USD", [3]string{"0.05", "0.14", "0.25"}, [3]string{"1", "1", "2"}, "0.01 0.01 0.01 0.03"},
	} {
		if got := strings.Join(valRoundingMonth(t, valRounding(c.cur, c.mrc, c.sites)), " "); got != c.want {
			t.Errorf("%s credits: got %s, want %s", c.cur, got, c.want)
		}
	}
}
