package codec

import "github.com/slawatch/slawatch/internal/wire"

// decoder is the shared record decoder (package wire) with the store's
// own reads: batch records, chunk columns.
type decoder struct{ wire.Decoder }
