package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/store"
)

// ingest stores an agent's delivery of minute records (the body format of
// package ingest) under the agent's name and answers 200 only once every
// record is durably stored: the agent acknowledges its spool on that
// answer, so an error or a crash before it makes the agent send again,
// and the store's idempotence makes the repeat harmless. A body that does
// not decode, or a record the store refuses, is refused whole (400):
// nothing of it is stored.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	code := http.StatusOK
	defer func() { s.metrics.ingestRequests.WithLabelValues(strconv.Itoa(code)).Inc() }()
	if ct := r.Header.Get("Content-Type"); ct != ingest.ContentType {
		code = http.StatusUnsupportedMediaType
		writeError(w, code, "unsupported_media_type", "Content-Type "+ct+": want "+ingest.ContentType)
		return
	}
	body, err := readBody(w, r, maxIngestBody)
	if err != nil {
		code = s.fail(w, r, err)
		return
	}
	var blocks []store.Block
	n := 0
	err = ingest.Decode(body, func(minute int64, recs []slawatch.SeriesMinute) error {
		blocks = append(blocks, store.Block{Minute: minute, Records: slices.Clone(recs)})
		n += len(recs)
		return nil
	})
	if err == nil {
		err = s.st.WriteBlocks(r.Context(), p.agent, blocks)
	}
	if err != nil {
		code = s.fail(w, r, err)
		return
	}
	for _, b := range blocks {
		s.eval.deliver(p.agent, b.Minute, b.Records)
	}
	s.eval.kick()
	s.metrics.ingestRecords.Add(float64(n))
	s.metrics.ingestMinutes.Add(float64(len(blocks)))
	writeJSON(w, http.StatusOK, map[string]int{"minutes": len(blocks), "records": n})
}
