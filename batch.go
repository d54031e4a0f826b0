package slawatch

// Record is one series' minute inside a Batch: the series by its index
// in the contract's list of bound series (sample.Lookup gives it).
type Record struct {
	Series int32
	Minute Minute
}

// Batch is every record of one clock minute, as the readers of sample
// files and the server's store hand them to the engine. Rows counts the
// probe rows and minute-record rows folded into it, one each.
type Batch struct {
	Minute  int64    // Unix minute: Unix seconds / 60, rounded down
	Records []Record // one per series seen in the minute, by ascending Series
	Rows    int64    // rows folded into the batch
}
