package ingest

import (
	"os"
	"testing"

	"github.com/slawatch/slawatch"
)

// FuzzDecode: Decode never panics; what it refuses is EINVALID; what it
// decodes (of either version) encodes again to a body that decodes to the
// same blocks.
func FuzzDecode(f *testing.F) {
	f.Add(encodeAll(sampleBlocks))
	f.Add([]byte(Magic))
	f.Add([]byte(MagicV1))
	f.Add(raw(7, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5, 1, 1))
	f.Add(raw(7, 2, 0, 2, "ab", 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, "c", 1, 0, 0, 0, 0, 0, 0, 0))
	f.Add(raw(7, 1, 0, 1, "a", 60, 2, 20, 200, 10, 10, 16, 46)) // every 30 s, at :15 and :45
	f.Add(rawV1(7, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5))
	f.Add(rawV1(7, 2, 0, 2, "ab", 0, 0, 0, 0, 0, 0, 1, 1, "c", 1, 0, 0, 0, 0, 0))
	if v1, err := os.ReadFile("testdata/v1/body.bin"); err == nil {
		f.Add(v1)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got, err := decodeAll(p)
		if err != nil {
			if slawatch.ErrorCode(err) != slawatch.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if len(got) == 0 {
			return // the magic alone: nothing to encode
		}
		again, err := decodeAll(encodeAll(got))
		if err != nil {
			t.Fatalf("re-encoded body does not decode: %v", err)
		}
		if !sameBlocks(again, got) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", again, got)
		}
	})
}
