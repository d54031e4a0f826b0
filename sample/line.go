package sample

import "bytes"

// The column names of each format, for messages.
var (
	probeColumns  = []string{"time", "series", "rtt_ms"}
	minuteColumns = []string{"minute", "series", "sent", "received", "rtt_sum_us", "rtt_sumsq_us2", "rtt_min_us", "rtt_max_us", "first_reply_s", "last_reply_s"}
)

// fieldName returns the column name of field i, or "" past the last.
func (r *Reader) fieldName(i int) string {
	if i < len(r.columns) {
		return r.columns[i]
	}
	return ""
}

// splitLine cuts a probe row into its three fields. Lines without a quote,
// nearly all of them, are cut at the commas in place; quoted lines take
// the slow path, which unquotes into r.unquoted.
func (r *Reader) splitLine(line []byte) ([3][]byte, error) {
	var f [3][]byte
	if bytes.IndexByte(line, '"') >= 0 {
		err := r.splitQuoted(line, f[:])
		return f, err
	}
	c1 := bytes.IndexByte(line, ',')
	if c1 >= 0 {
		rest := line[c1+1:]
		c2 := bytes.IndexByte(rest, ',')
		if c2 >= 0 && bytes.IndexByte(rest[c2+1:], ',') < 0 {
			f[0], f[1], f[2] = line[:c1], rest[:c2], rest[c2+1:]
			return f, nil
		}
	}
	return f, r.columnsError(bytes.Count(line, []byte{','}) + 1)
}

// splitFields cuts a line into exactly len(f) fields, in place when it
// holds no quote.
func (r *Reader) splitFields(line []byte, f [][]byte) error {
	if bytes.IndexByte(line, '"') >= 0 {
		return r.splitQuoted(line, f)
	}
	rest := line
	for i := range len(f) - 1 {
		c := bytes.IndexByte(rest, ',')
		if c < 0 {
			return r.columnsError(i + 1)
		}
		f[i], rest = rest[:c], rest[c+1:]
	}
	if bytes.IndexByte(rest, ',') >= 0 {
		return r.columnsError(bytes.Count(line, []byte{','}) + 1)
	}
	f[len(f)-1] = rest
	return nil
}

// splitQuoted cuts a line into exactly len(f) fields by the quoting rules
// of RFC 4180, except that a quoted field ends on its line: rows are read
// line by line, and a series name holding a line break would be a mistake
// anyway.
func (r *Reader) splitQuoted(line []byte, f [][]byte) error {
	r.unquoted = r.unquoted[:0]
	n := 0
	for i := 0; ; n++ {
		field, next, err := r.nextField(line, i, n)
		if err != nil {
			return err
		}
		if n < len(f) {
			f[n] = field
		}
		if next >= len(line) {
			break
		}
		i = next + 1 // skip the comma
	}
	if n+1 != len(f) {
		return r.columnsError(n + 1)
	}
	return nil
}

// nextField reads field n starting at line[i] and returns it with the
// index of the comma that ends it (len(line) for the last field).
func (r *Reader) nextField(line []byte, i, n int) ([]byte, int, error) {
	if i >= len(line) || line[i] != '"' {
		end := bytes.IndexByte(line[i:], ',')
		if end < 0 {
			end = len(line) - i
		}
		field := line[i : i+end]
		if bytes.IndexByte(field, '"') >= 0 {
			return nil, 0, r.lineError(r.fieldName(n), ErrMalformed, "bare \" in an unquoted field; quote the field and double the \"")
		}
		return field, i + end, nil
	}
	start := len(r.unquoted)
	for i++; ; i++ {
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return nil, 0, r.lineError(r.fieldName(n), ErrMalformed, "quoted field does not end on its line")
		}
		r.unquoted = append(r.unquoted, line[i:i+q]...)
		i += q + 1
		if i >= len(line) || line[i] != '"' {
			break
		}
		r.unquoted = append(r.unquoted, '"') // "" stands for one quote
	}
	if i < len(line) && line[i] != ',' {
		return nil, 0, r.lineError(r.fieldName(n), ErrMalformed, "text after the closing quote of a quoted field")
	}
	// Earlier fields keep pointing at the old array if append moves it.
	return r.unquoted[start:], i, nil
}
