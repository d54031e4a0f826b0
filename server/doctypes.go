package server

import "github.com/slawatch/slawatch/server/docs"

// The documents the API takes and shows are those of package docs.
type (
	Customer   = docs.Customer
	Exclusion  = docs.Exclusion
	Series     = docs.Series
	Outage     = docs.Outage
	Incident   = docs.Incident
	record     = docs.Record
	recordKind = docs.RecordKind
)
