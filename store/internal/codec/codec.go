// Package codec is the store's encoding of minute records: the staged
// batch, which holds what one write brought until it is compacted, and
// the chunk, which holds one agent's hour of every series in a few bytes
// a minute. Both begin with a version byte; a decoder reads every version
// ever written (testdata/ holds bytes of each, decoded by the tests
// forever), an encoder writes the newest. Documents, tokens and the
// outbox are not minute records and are stored by package store itself.
//
// Decoding never panics and checks what it returns as the store checked
// it when it was written (CheckMinute), so nothing stored wrongly reaches
// a reader.
package codec

import "errors"

// ErrCorrupt is wrapped by every error about bytes that do not decode.
var ErrCorrupt = errors.New("corrupt data")
