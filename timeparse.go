package slawatch

import (
	"fmt"
	"time"
)

// ParseTime reads a time written in an input file: RFC 3339 with its
// offset, or a local time "2006-01-02 15:04[:05]" (or with a T) in loc. A
// bare date is refused: the files this reads need times.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339 (2026-10-14T01:00:00+09:00) nor a local time (2026-10-14 01:00)", s)
}
