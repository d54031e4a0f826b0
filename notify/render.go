package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Render writes the notice as a subject line and a plain-text body, with
// every time in the notice's zone, both for people and as RFC 3339. The
// same notice always renders to the same text.
func Render(n Notice) (subject, body string, err error) {
	if err := n.check(); err != nil {
		return "", "", err
	}
	loc, err := n.location()
	if err != nil {
		return "", "", err
	}
	n = cleaned(n)
	r := renderer{n: n, loc: loc, sites: sortedSites(n.Sites)}
	switch n.Kind {
	case KindOutage:
		return r.outageSubject(), r.outageBody(), nil
	case KindTest:
		return r.testSubject(), r.testBody(), nil
	}
	return r.recoverySubject(), r.recoveryBody(), nil
}

// cleaned replaces control characters in the names a notice carries with
// spaces: they come from contracts and customers, and a line break in one
// would break the layout of the text, or of a fax.
func cleaned(n Notice) Notice {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	n.Customer, n.CustomerName, n.Incident = clean(n.Customer), clean(n.CustomerName), clean(n.Incident)
	n.Sites = slices.Clone(n.Sites)
	for i := range n.Sites {
		s := &n.Sites[i]
		s.Site, s.Service, s.Level = clean(s.Site), clean(s.Service), clean(s.Level)
	}
	return n
}

type renderer struct {
	n     Notice
	loc   *time.Location
	sites []Site
}

// sortedSites orders sites by site then service, so that the text does not
// depend on the order the server found them in.
func sortedSites(s []Site) []Site {
	slices.SortStableFunc(s, func(a, b Site) int {
		return cmp.Or(cmp.Compare(a.Site, b.Site), cmp.Compare(a.Service, b.Service))
	})
	return s
}

func (r renderer) customer() string {
	switch {
	case r.n.CustomerName == "":
		return r.n.Customer
	case r.n.Customer == "":
		return r.n.CustomerName
	}
	return r.n.CustomerName + " (" + r.n.Customer + ")"
}

// what names the affected sites briefly, for a subject line.
func (r renderer) what() string {
	switch len(r.sites) {
	case 0:
		return "service"
	case 1:
		return siteName(r.sites[0])
	}
	return fmt.Sprintf("%d sites", len(r.sites))
}

func siteName(s Site) string {
	return strings.TrimSpace(s.Site + " " + s.Service)
}

func (r renderer) outageSubject() string {
	return fmt.Sprintf("[slawatch] Outage: %s: %s down since %s [%s]",
		r.customerShort(), r.what(), r.n.Start.In(r.loc).Format("2006-01-02 15:04 MST"), r.incident())
}

func (r renderer) recoverySubject() string {
	return fmt.Sprintf("[slawatch] Recovered: %s: %s back after %s [%s]",
		r.customerShort(), r.what(), duration(r.n.End.Sub(r.n.Start)), r.incident())
}

func (r renderer) customerShort() string {
	return cmp.Or(r.n.CustomerName, r.n.Customer)
}

func (r renderer) incident() string {
	return cmp.Or(r.n.Incident, r.n.ID)
}

func (r renderer) outageBody() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OUTAGE NOTICE: %s\n\n", r.customer())
	fmt.Fprintf(&b, "slawatch has detected an outage affecting %s.\n\n", r.count())
	r.field(&b, "Incident", r.incident())
	r.field(&b, "Down since", r.when(r.n.Start))
	if !r.n.Detected.IsZero() {
		r.field(&b, "Detected", r.when(r.n.Detected))
	}
	b.WriteString("\nAffected:\n")
	for _, s := range r.sites {
		r.site(&b, s, nil)
	}
	b.WriteString("\nThe outage is continuing. A further notice will follow when service is restored.\n")
	r.footer(&b)
	return b.String()
}

func (r renderer) recoveryBody() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RECOVERY NOTICE: %s\n\n", r.customer())
	fmt.Fprintf(&b, "Service has been restored to %s.\n\n", r.count())
	r.field(&b, "Incident", r.incident())
	r.field(&b, "Down since", r.when(r.n.Start))
	if !r.n.Detected.IsZero() {
		r.field(&b, "Detected", r.when(r.n.Detected))
	}
	r.field(&b, "Restored", r.when(*r.n.End))
	r.field(&b, "Duration", duration(r.n.End.Sub(r.n.Start)))
	b.WriteString("\nAffected:\n")
	for _, s := range r.sites {
		r.site(&b, s, r.n.End)
	}
	r.footer(&b)
	return b.String()
}

func (r renderer) testSubject() string {
	return fmt.Sprintf("[slawatch] Test notice: %s [%s]", r.customerShort(), r.incident())
}

func (r renderer) testBody() string {
	var b strings.Builder
	fmt.Fprintf(&b, "TEST NOTICE: %s\n\n", r.customer())
	b.WriteString("This is a test of slawatch's outage notices, sent on request to\n")
	b.WriteString("every notice contact of this customer. There is no outage.\n\n")
	r.field(&b, "Test", r.incident())
	r.field(&b, "Requested", r.when(r.n.Start))
	r.footer(&b)
	return b.String()
}

func (r renderer) count() string {
	switch len(r.sites) {
	case 0:
		return "your service"
	case 1:
		return "1 site"
	}
	return fmt.Sprintf("%d sites", len(r.sites))
}

func (r renderer) field(b *strings.Builder, name, value string) {
	fmt.Fprintf(b, "%-11s %s\n", name+":", value)
}

// site writes one affected site; end is the notice's end, which a site
// without its own end shares.
func (r renderer) site(b *strings.Builder, s Site, end *time.Time) {
	fmt.Fprintf(b, "  - site %s, service %s", cmp.Or(s.Site, "-"), cmp.Or(s.Service, "-"))
	if s.Level != "" {
		fmt.Fprintf(b, " (service level %s)", s.Level)
	}
	b.WriteString("\n")
	start := s.Start
	if start.IsZero() {
		start = r.n.Start
	}
	fmt.Fprintf(b, "    down since %s\n", r.when(start))
	if s.End != nil {
		end = s.End
	}
	if end != nil {
		fmt.Fprintf(b, "    restored   %s, after %s\n", r.when(*end), duration(end.Sub(start)))
	}
}

func (r renderer) footer(b *strings.Builder) {
	fmt.Fprintf(b, "\nTimes are in %s.\nNotice ID: %s\n", r.loc, r.n.ID)
}

// when shows t for people and as RFC 3339 with its offset.
func (r renderer) when(t time.Time) string {
	t = t.In(r.loc)
	return t.Format("Mon 2 Jan 2006 15:04 MST") + " (" + t.Format(time.RFC3339) + ")"
}

// duration shows d in days, hours and minutes, or seconds below a minute.
func duration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	m := int(d / time.Minute)
	days, h, m := m/(24*60), m/60%24, m%60
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d d", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m > 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	return strings.Join(parts, " ")
}
