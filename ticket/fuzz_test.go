package ticket

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the three readers: they must return
// records or an error, never panic, and every record they return must
// satisfy the checks the engine relies on.
func FuzzRead(f *testing.F) {
	f.Add([]byte("id,service,kind,channel,opened,responded,resolved\nT1,a/b,mitigation-request,phone,2026-10-02 10:00,2026-10-02 10:30,\n"))
	f.Add([]byte("id,service,kind,start,end\nE1,a/b,failover,2026-10-05T03:00:00Z,2026-10-05T03:05:00Z\n"))
	f.Add([]byte("id,service,submitted,confirmed\nC1,a/b,2026-11-03 09:00,\n"))
	f.Add([]byte("id,service,kind,opened,fee,timezone\n\"T,1\",a/b,acl-standard,2026-10-02 10:00,1.5,Europe/Berlin\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if ts, err := ReadTickets(bytes.NewReader(data), "f", tokyo); err == nil {
			for _, k := range ts {
				if k.ID == "" || k.Opened.IsZero() || (!k.Resolved.IsZero() && k.Resolved.Before(k.Opened)) {
					t.Fatalf("accepted a bad ticket %+v", k)
				}
			}
		}
		if es, err := ReadEvents(bytes.NewReader(data), "f", tokyo); err == nil {
			for _, e := range es {
				if e.ID == "" || e.Start.IsZero() || (!e.End.IsZero() && e.End.Before(e.Start)) {
					t.Fatalf("accepted a bad event %+v", e)
				}
			}
		}
		if cs, err := ReadClaims(bytes.NewReader(data), "f", tokyo); err == nil {
			for _, c := range cs {
				if c.ID == "" || c.Submitted.IsZero() {
					t.Fatalf("accepted a bad claim %+v", c)
				}
			}
		}
	})
}
