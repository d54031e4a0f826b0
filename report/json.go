package report

import "github.com/slawatch/slawatch/engine"

// JSON returns the report as `evaluate --format json` prints it and the
// server's report API returns it.
func JSON(r *engine.Report) *engine.Report { return r }
