// Package slawatch holds the domain types shared by every part of the
// system: the minute record that is the unit of truth, and the error type
// whose codes the API maps to statuses. It imports no database, network or
// file code; adapters live in their own packages and cmd/slawatch wires them.
package slawatch
