package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// so that several servers in one test process do not collide.
type metrics struct {
	reg             *prometheus.Registry
	ingestRecords   prometheus.Counter
	ingestMinutes   prometheus.Counter
	ingestRequests  *prometheus.CounterVec
	lateRecords     prometheus.Counter
	evalLag         prometheus.Histogram
	judgedMinute    prometheus.Gauge
	pendingMinutes  prometheus.Gauge
	pendingRecords  prometheus.Gauge
	outages         prometheus.Counter
	notifications   *prometheus.CounterVec
	outboxPending   prometheus.GaugeFunc
	detectToNotify  prometheus.Histogram
	recomputes      prometheus.Counter
	revisions       prometheus.Counter
	lateIgnored     prometheus.Counter
	ingestRefused   *prometheus.CounterVec
	denied          prometheus.Counter
	requestDuration *prometheus.HistogramVec
	ownedCustomers  prometheus.Gauge
	feedApplied     prometheus.Counter
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{reg: reg}
	m.ingestRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_ingest_records_total",
		Help: "Minute records acknowledged to agents (stored durably)."})
	m.ingestMinutes = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_ingest_minutes_total",
		Help: "Agent-minutes acknowledged."})
	m.ingestRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_ingest_requests_total",
		Help: "Delivery requests by HTTP status."}, []string{"code"})
	m.lateRecords = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_late_records_total",
		Help: "Records that arrived after their minute was judged; their months are recomputed."})
	m.evalLag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slawatch_evaluation_lag_seconds",
		Help:    "From the moment a minute became complete to the moment every evaluator had judged it.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.judgedMinute = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_judged_minute_timestamp_seconds",
		Help: "End of the last minute judged (Unix time)."})
	m.pendingMinutes = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_pending_minutes",
		Help: "Minutes received but not yet complete (queue depth of the evaluation)."})
	m.pendingRecords = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_pending_records",
		Help: "Records received but not yet judged."})
	m.outages = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_outages_detected_total",
		Help: "Outages detected live."})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_notifications_total",
		Help: "Notice delivery attempts by channel kind and outcome (sent, retry, failed)."}, []string{"channel", "outcome"})
	m.detectToNotify = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slawatch_detection_to_notification_seconds",
		Help:    "From the rule firing (the evaluation judging the minute that completes an outage) to its notice first accepted by a channel.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 20)})
	m.recomputes = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_recomputes_total",
		Help: "Month evaluations rebuilt from storage (late data, exclusions, contract changes, requests)."})
	m.revisions = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_report_revisions_total",
		Help: "Revisions of closed months' final reports stored (the first at the month's close included)."})
	m.lateIgnored = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_late_records_ignored_total",
		Help: "Late records stored but not applied: their month is past its revision period."})
	m.ingestRefused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slawatch_ingest_refused_total",
		Help: "Deliveries refused whole, by reason (unassigned series, minute out of range, invalid)."}, []string{"reason"})
	m.denied = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_access_denied_total",
		Help: "Requests refused because the token may not do what they ask."})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "slawatch_http_request_duration_seconds",
		Help: "API request durations by route."}, []string{"route"})
	m.ownedCustomers = prometheus.NewGauge(prometheus.GaugeOpts{Name: "slawatch_owned_customers",
		Help: "Customers whose lease this replica holds: it writes their incidents, notices and reports (with SQLite, every customer)."})
	m.feedApplied = prometheus.NewCounter(prometheus.CounterOpts{Name: "slawatch_change_feed_applied_total",
		Help: "Changes written by other replicas (deliveries, contracts, series, records) that this replica loaded."})
	for _, c := range []prometheus.Collector{m.ownedCustomers, m.feedApplied, m.ingestRecords, m.ingestMinutes, m.ingestRequests, m.lateRecords, m.evalLag,
		m.judgedMinute, m.pendingMinutes, m.pendingRecords, m.outages, m.notifications, m.detectToNotify, m.recomputes,
		m.denied, m.requestDuration, m.revisions, m.lateIgnored, m.ingestRefused} {
		f(c)
	}
	return m
}

// outboxGauge registers the queue depth of the outbox.
func (m *metrics) outboxGauge(fn func() float64) {
	m.outboxPending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slawatch_outbox_pending",
		Help: "Notices waiting to be sent (queue depth of the notifier)."}, fn)
	m.reg.MustRegister(m.outboxPending)
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
