package deliver

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/sample"
)

// File is a minute-records samples file the agent appends to (--out):
// each minute is flushed and synced before the spool lets it go.
type File struct {
	f     *os.File
	w     *sample.MinuteWriter
	after int64
}

// OpenFile opens path for appending minute records, making it if need
// be. An existing file is continued (sample.ReadTail): a torn last line
// (a crash mid-write) is cut off, a file with the header of minutes
// before reply timing goes on untimed, and After is its last minute,
// which Outputs do not write again.
func OpenFile(path string, log *slog.Logger) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	file := &File{f: f, w: sample.NewMinuteWriter(f), after: sample.NoMinute}
	if err := file.resume(path, log); err != nil {
		f.Close()
		return nil, err
	}
	return file, nil
}

// resume positions the file at the end of its last complete line.
func (file *File) resume(path string, log *slog.Logger) error {
	tail, err := sample.ReadTail(file.f, path)
	if err != nil {
		return fmt.Errorf("%w; --out continues only a minute-records file it wrote", err)
	}
	if err := file.f.Truncate(tail.Offset); err != nil {
		return err
	}
	if _, err := file.f.Seek(tail.Offset, io.SeekStart); err != nil {
		return err
	}
	if tail.Offset == 0 {
		return nil // a new file, or only a torn header: the writer starts it
	}
	if tail.Untimed {
		file.w.ResumeUntimed(tail.Last) // a file from before reply timing goes on untimed
	} else {
		file.w.Resume(tail.Last)
	}
	file.after = tail.Last
	if tail.Last != sample.NoMinute {
		log.Info("continuing samples file", "file", path, "last_minute", slawatch.MinuteTime(tail.Last))
	}
	return nil
}

// After is the last minute the file held when opened; sample.NoMinute
// for a new file.
func (file *File) After() int64 { return file.after }

// Write appends one minute's records, flushed and synced.
func (file *File) Write(m int64, recs []slawatch.SeriesMinute) error {
	for _, r := range recs {
		if err := file.w.WriteMinute(m, r.Series, r.M); err != nil {
			return err
		}
	}
	if err := file.w.Flush(); err != nil {
		return err
	}
	return file.f.Sync()
}

// Close closes the file.
func (file *File) Close() error { return file.f.Close() }
