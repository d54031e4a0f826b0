// Package metrics holds the Prometheus metrics of `slawatch serve`, on a
// registry of each server's own, so that several servers in one test
// process do not collide.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one server's metrics. The parts of the server record into
// the fields; Handler serves them.
type Metrics struct {
	reg             *prometheus.Registry
	IngestRecords   prometheus.Counter
	IngestMinutes   prometheus.Counter
	IngestRequests  *prometheus.CounterVec
	LateRecords     prometheus.Counter
	EvalLag         prometheus.Histogram
	JudgedMinute    prometheus.Gauge
	PendingMinutes  prometheus.Gauge
	PendingRecords  prometheus.Gauge
	Outages         prometheus.Counter
	Notifications   *prometheus.CounterVec
	OutboxPending   prometheus.GaugeFunc
	DetectToNotify  prometheus.Histogram
	Recomputes      prometheus.Counter
	Revisions       prometheus.Counter
	LateIgnored     prometheus.Counter
	IngestRefused   *prometheus.CounterVec
	Denied          prometheus.Counter
	RequestDuration *prometheus.HistogramVec
	OwnedCustomers  prometheus.Gauge
	FeedApplied     prometheus.Counter
}

// New makes the metrics on a new registry, with Go's and the process's own.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.IngestRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_ingest_records_total",
		Help: "Minute records acknowledged to agents (stored durably)."})
	m.IngestMinutes = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_ingest_minutes_total",
		Help: "Agent-minutes acknowledged."})
	m.IngestRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_ingest_requests_total",
		Help: "Delivery requests by HTTP status."}, []string{"code"})
	m.LateRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_late_records_total",
		Help: "Records that arrived after their minute was judged; their months are recomputed."})
	m.EvalLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slawatch_evaluation_lag_seconds",
		Help:    "From the moment a minute became complete to the moment every evaluator had judged it.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.JudgedMinute = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_judged_minute_timestamp_seconds",
		Help: "End of the last minute judged (Unix time)."})
	m.PendingMinutes = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_pending_minutes",
		Help: "Minutes received but not yet complete (queue depth of the evaluation)."})
	m.PendingRecords = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_pending_records",
		Help: "Records received but not yet judged."})
	m.Outages = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_outages_detected_total",
		Help: "Outages detected live."})
	m.Notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_notifications_total",
		Help: "Notice delivery attempts by channel kind and outcome (sent, retry, failed)."}, []string{"channel", "outcome"})
	m.DetectToNotify = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slawatch_detection_to_notification_seconds",
		Help:    "From the rule firing (the evaluation judging the minute that completes an outage) to its notice first accepted by a channel.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 20)})
	m.Recomputes = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_recomputes_total",
		Help: "Month evaluations rebuilt from storage (late data, exclusions, contract changes, requests)."})
	m.Revisions = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_report_revisions_total",
		Help: "Revisions of closed months' final reports stored (the first at the month's close included)."})
	m.LateIgnored = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_late_records_ignored_total",
		Help: "Late records stored but not applied: their month is past its revision period."})
	m.IngestRefused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_ingest_refused_total",
		Help: "Deliveries refused whole, by reason (unassigned series, minute out of range, invalid)."}, []string{"reason"})
	m.Denied = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_access_denied_total",
		Help: "Requests refused because the token may not do what they ask."})
	m.RequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "slawatch_http_request_duration_seconds",
		Help: "API request durations by route."}, []string{"route"})
	m.OwnedCustomers = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_owned_customers",
		Help: "Customers whose lease this replica holds: it writes their incidents, notices and reports (with SQLite, every customer)."})
	m.FeedApplied = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_change_feed_applied_total",
		Help: "Changes written by other replicas (deliveries, contracts, series, records) that this replica loaded."})
	for _, c := range []prometheus.Collector{m.OwnedCustomers, m.FeedApplied, m.IngestRecords, m.IngestMinutes, m.IngestRequests, m.LateRecords, m.EvalLag,
		m.JudgedMinute, m.PendingMinutes, m.PendingRecords, m.Outages, m.Notifications, m.DetectToNotify, m.Recomputes,
		m.Denied, m.RequestDuration, m.Revisions, m.LateIgnored, m.IngestRefused} {
		f(c)
	}
	return m
}

// OutboxGauge registers the queue depth of the outbox.
func (m *Metrics) OutboxGauge(fn func() float64) {
	m.OutboxPending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slawatch_outbox_pending",
		Help: "Notices waiting to be sent (queue depth of the notifier)."}, fn)
	m.reg.MustRegister(m.OutboxPending)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
