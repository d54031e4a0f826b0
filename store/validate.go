package store

import "github.com/slawatch/slawatch/store/internal/codec"

// Limits on what WriteMinutes accepts.
const (
	// MaxNameBytes is the longest agent or series name, as the agent's
	// configuration allows.
	MaxNameBytes = codec.MaxNameBytes
	// MaxMinute is the last Unix minute stored: 9999-12-31 23:59 UTC.
	// Minutes before 1970 (negative) are refused as well.
	MaxMinute = 253402300799 / 60
)

// checkName and checkMinute are the codec's checks (see there): what is
// stored is what the codec can decode again.
var (
	checkName   = codec.CheckName
	checkMinute = codec.CheckMinute
)

// errCorrupt is what a read finds stored wrongly.
var errCorrupt = codec.ErrCorrupt

const chunkMinutes = codec.ChunkMinutes
