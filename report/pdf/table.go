package pdf

// col is one column of a table. A column that does not wrap is as wide
// as its widest cell, so that a figure or a time is never broken over
// two lines; the wrapping columns share what is left.
type col struct {
	head  string
	wrap  bool
	right bool // right-aligned (figures)
}

const (
	cellPad  = 1.2 // mm, each side of a cell's text
	minWrapW = 22.0
)

// table prints rows under a header row, repeating the header on each
// new page. Cells beyond the columns are ignored; missing cells are
// empty.
func (d *doc) table(cols []col, rows [][]string) {
	if len(cols) == 0 {
		return
	}
	f := d.f
	f.SetFont(family, "", smallSize)
	widths := d.widths(cols, rows)
	d.tableHeader(cols, widths)
	for _, r := range rows {
		cells := make([][]string, len(cols))
		n := 1
		for i := range cols {
			s := ""
			if i < len(r) {
				s = clean(r[i])
			}
			cells[i] = f.SplitText(s, widths[i])
			n = max(n, len(cells[i]))
		}
		// a row never spans pages: one taller than a page is cut
		pageLines := float64(pageH-2*margin-30) / smallLineH
		maxLines := int(pageLines)
		n = min(n, maxLines)
		h := float64(n)*smallLineH + 1
		if f.GetY()+h > pageH-margin-8 {
			f.AddPage()
			f.SetFont(family, "", smallSize)
			d.tableHeader(cols, widths)
		}
		y := f.GetY()
		x := margin
		for i, c := range cols {
			align := "L"
			if c.right {
				align = "R"
			}
			for j, line := range cells[i] {
				if j >= n {
					break
				}
				f.SetXY(x, y+0.5+float64(j)*smallLineH)
				f.CellFormat(widths[i], smallLineH, line, "", 0, align, false, 0, "")
			}
			x += widths[i]
		}
		f.SetDrawColor(220, 220, 220)
		f.Line(margin, y+h, margin+sum(widths), y+h)
		f.SetXY(margin, y+h)
	}
	f.SetFont(family, "", bodySize)
	f.Ln(1)
}

func (d *doc) tableHeader(cols []col, widths []float64) {
	f := d.f
	f.SetFont(family, "B", smallSize)
	f.SetFillColor(235, 235, 235)
	f.SetX(margin)
	for i, c := range cols {
		align := "L"
		if c.right {
			align = "R"
		}
		f.CellFormat(widths[i], smallLineH+1, clean(c.head), "", 0, align, true, 0, "")
	}
	f.Ln(-1)
	f.SetFont(family, "", smallSize)
}

// widths lays the columns out across the text width.
func (d *doc) widths(cols []col, rows [][]string) []float64 {
	f := d.f
	w := make([]float64, len(cols))
	fixed, wraps := 0.0, 0
	for i, c := range cols {
		if c.wrap {
			wraps++
			continue
		}
		f.SetFont(family, "B", smallSize)
		w[i] = f.GetStringWidth(clean(c.head))
		f.SetFont(family, "", smallSize)
		for _, r := range rows {
			if i < len(r) {
				w[i] = max(w[i], f.GetStringWidth(clean(r[i])))
			}
		}
		w[i] += 2*cellPad + 0.5
		fixed += w[i]
	}
	free := textW - fixed
	if wraps > 0 && free < minWrapW*float64(wraps) {
		free = minWrapW * float64(wraps)
	}
	if fixed+free > textW { // too wide: the fixed columns shrink and wrap
		scale := (textW - free) / fixed
		if wraps == 0 {
			scale = textW / fixed
		}
		for i, c := range cols {
			if !c.wrap {
				w[i] *= scale
			}
		}
	}
	for i, c := range cols {
		if c.wrap {
			w[i] = free / float64(wraps)
		}
	}
	return w
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}
