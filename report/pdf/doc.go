package pdf

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"github.com/slawatch/slawatch/report"
)

// DejaVu Sans Condensed (fonts-dejavu-core 2.37, Bitstream Vera licence:
// fonts/LICENSE): Latin, Greek, Cyrillic and the symbols the reports use
// (¥ € – ≤ ≥ →). fpdf embeds only the glyphs a document uses.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

const (
	family       = "dejavu"
	margin       = 15.0 // mm, every side
	pageW, pageH = 210.0, 297.0
	textW        = pageW - 2*margin
	bodySize     = 9.0 // pt
	smallSize    = 7.0
	lineH        = 4.4 // mm, at bodySize
	smallLineH   = 3.4
)

// doc is one PDF being written.
type doc struct {
	f    *fpdf.Fpdf
	rep  *report.Report
	opts Options
	cur  *report.CustomerReport // the customer the page header names
	// offset is the UTC offset at the month's start, which the summary
	// states; a time with another offset prints its own.
	offset string
	graphs int // latency graphs drawn so far, up to MaxGraphs
}

func newDoc(rep *report.Report, opts Options) (*doc, error) {
	f := fpdf.New("P", "mm", "A4", "")
	created := opts.Now
	if created.IsZero() {
		created = time.Unix(0, 0).UTC()
	}
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetCreator("slawatch", true)
	f.SetProducer("slawatch", true)
	f.SetTitle(clean("SLA report "+rep.Month+" "+rep.Contract), true)
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	f.SetMargins(margin, margin+8, margin)
	f.SetAutoPageBreak(true, margin+8)
	f.AliasNbPages("{nb}")
	d := &doc{f: f, rep: rep, opts: opts, offset: monthOffset(rep)}
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: fonts: %w", err)
	}
	f.SetFont(family, "", bodySize)
	return d, nil
}

func (d *doc) header() {
	f := d.f
	f.SetY(margin - 4)
	f.SetFont(family, "B", 10)
	who := "all customers"
	if c := d.cur; c != nil {
		who = c.ID
		if c.Name != "" {
			who = c.Name + " (" + c.ID + ")"
		}
	}
	f.CellFormat(textW*0.75, 5, clean("SLA report · "+who), "", 0, "L", false, 0, "")
	f.CellFormat(textW*0.25, 5, clean(d.rep.Month), "", 1, "R", false, 0, "")
	f.SetDrawColor(160, 160, 160)
	f.Line(margin, margin+2, pageW-margin, margin+2)
	f.SetY(margin + 8)
	f.SetFont(family, "", bodySize)
}

func (d *doc) footer() {
	f := d.f
	f.SetY(pageH - margin)
	f.SetFont(family, "", smallSize)
	left := "contract " + d.rep.Contract
	if !d.opts.Now.IsZero() {
		left += " · generated at " + d.opts.Now.Format("2006-01-02 15:04:05 -07:00") + " by slawatch"
	}
	f.CellFormat(textW*0.8, 4, clean(left), "", 0, "L", false, 0, "")
	f.CellFormat(textW*0.2, 4, fmt.Sprintf("page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	f.SetFont(family, "", bodySize)
}

// heading starts a section, on a new page when less than room mm is left.
func (d *doc) heading(s string) { d.headingRoom(s, 30) }

func (d *doc) headingRoom(s string, room float64) {
	f := d.f
	if f.GetY()+room > pageH-margin-8 {
		f.AddPage()
	} else {
		f.Ln(3)
	}
	f.SetFont(family, "B", 11)
	f.MultiCell(textW, 6, clean(s), "", "L", false)
	f.SetFont(family, "", bodySize)
}

// para prints a wrapped paragraph.
func (d *doc) para(s string) {
	d.f.MultiCell(textW, lineH, clean(s), "", "L", false)
}

// bullets prints a list, each item wrapped under its bullet.
func (d *doc) bullets(items []string) {
	f := d.f
	for _, s := range items {
		f.SetX(margin)
		f.CellFormat(4, lineH, "•", "", 0, "L", false, 0, "")
		f.MultiCell(textW-4, lineH, clean(s), "", "L", false)
	}
}

// maxText bounds any one text printed: a report is data from files and
// forms, and one field must not make a thousand pages.
const maxText = 4000

// clean makes s printable: valid UTF-8, control characters as spaces
// (newlines kept), at most maxText bytes.
func clean(s string) string {
	if len(s) > maxText {
		s = s[:maxText] + "…"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t', unicode.IsControl(r):
			return ' '
		case r > 0xFFFF: // fpdf's UTF-8 fonts map the Basic Multilingual Plane only
			return utf8.RuneError
		}
		return r
	}, s)
}

// tm prints a time of the report in its zone's wall clock: "2026-10-11
// 18:00", with seconds when it has any, and its offset only when it is
// not the month start's (the summary says which: a claim deadline after
// a change to winter time prints "-05:00"). A string that is not a time
// is printed as it is.
func (d *doc) tm(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	layout := "2006-01-02 15:04"
	if t.Second() != 0 {
		layout += ":05"
	}
	if t.Format("-07:00") != d.offset {
		layout += " -07:00"
	}
	return t.Format(layout)
}

// monthOffset is the UTC offset at the start of the report's month in
// its zone; else the one most of its times have; "" when it has none.
func monthOffset(rep *report.Report) string {
	if loc, err := time.LoadLocation(rep.Timezone); err == nil {
		if m, err := time.ParseInLocation("2006-01", rep.Month, loc); err == nil {
			return m.Format("-07:00")
		}
	}
	count := map[string]int{}
	best := ""
	for ci := range rep.Customers {
		eachTime(&rep.Customers[ci], func(s string) {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				o := t.Format("-07:00")
				count[o]++
				if count[o] > count[best] || count[o] == count[best] && o < best {
					best = o
				}
			}
		})
	}
	return best
}

// eachTime calls fn with every time a customer's report holds.
func eachTime(c *report.CustomerReport, fn func(string)) {
	claim := func(cj *report.ClaimJSON) {
		if cj != nil {
			fn(cj.ClaimBy)
			fn(cj.ConfirmBy)
		}
	}
	for _, s := range c.Services {
		for _, l := range s.Levels {
			for _, o := range l.Outages {
				fn(o.Start)
				fn(o.End)
				fn(o.DetectedAt)
				fn(o.NotifyBy)
			}
			for _, it := range l.Items {
				fn(it.Start)
				fn(it.Stop)
				fn(it.Deadline)
				claim(it.Claim)
			}
			claim(l.Claim)
		}
	}
}
