package contract

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/slawatch/slawatch/calendar"
	"github.com/slawatch/slawatch/catalog"
)

// Bound is a contract checked against a catalog: every level resolved to
// its template, series, parameters and fees.
type Bound struct {
	*Contract
	Series   []string // series names; a series' index is its position
	Services []*BoundService
	index    map[string]int32
}

// BoundService is one service of one customer with its bound levels.
type BoundService struct {
	Customer *Customer
	Service  *Service
	Levels   []*Level
}

// Level is one service level of one service, ready for the engine.
type Level struct {
	Service    *BoundService
	Template   *catalog.Template
	Inputs     map[string][]int32  // input name -> series indexes
	Numbers    map[string]*big.Rat // number and integer parameters
	Enums      map[string]string   // enum parameters
	Exclusions []AppliedExclusion  // every exclusion naming the service
	Caps       []*catalog.Cap
}

// AppliedExclusion says whether one exclusion window counts for a level,
// and why not when it does not.
type AppliedExclusion struct {
	*Exclusion
	Applies bool
	Why     string
}

// Lookup returns the index of a series name.
func (b *Bound) Lookup(name []byte) (int32, bool) {
	i, ok := b.index[string(name)]
	return i, ok
}

// Bind checks the contract against the catalog.
func (c *Contract) Bind(cat *catalog.Catalog) (*Bound, error) {
	b := &Bound{Contract: c, index: map[string]int32{}}
	seen := map[string]bool{}
	for i := range c.Customers {
		cu := &c.Customers[i]
		f := fmt.Sprintf("customers[%d]", i)
		if cu.ID == "" || strings.Contains(cu.ID, "/") || seen[cu.ID] {
			return nil, c.errorf(cu.Line, f+".id", "%q is empty, contains '/' or is repeated", cu.ID)
		}
		seen[cu.ID] = true
		if err := b.bindCustomer(cat, cu, f); err != nil {
			return nil, err
		}
	}
	if err := c.checkExclusions(); err != nil {
		return nil, err
	}
	if err := c.checkClosures(); err != nil {
		return nil, err
	}
	for _, s := range b.Services {
		for _, l := range s.Levels {
			l.Exclusions = c.applicable(s, l.Template)
		}
	}
	return b, nil
}

func (b *Bound) bindCustomer(cat *catalog.Catalog, cu *Customer, f string) error {
	if len(cu.Services) == 0 {
		return b.errorf(cu.Line, f+".services", "a customer needs at least one service")
	}
	seen := map[string]bool{}
	for j := range cu.Services {
		s := &cu.Services[j]
		sf := fmt.Sprintf("%s.services[%d]", f, j)
		if s.ID == "" || strings.Contains(s.ID, "/") || seen[s.ID] {
			return b.errorf(s.Line, sf+".id", "%q is empty, contains '/' or is repeated", s.ID)
		}
		seen[s.ID] = true
		bs, err := b.bindService(cat, cu, s, sf)
		if err != nil {
			return err
		}
		b.Services = append(b.Services, bs)
	}
	return nil
}

func (b *Bound) bindService(cat *catalog.Catalog, cu *Customer, s *Service, f string) (*BoundService, error) {
	ids := s.Levels
	if (s.Template == "") == (len(ids) == 0) {
		return nil, b.errorf(s.Line, f, "want exactly one of template and levels")
	}
	if s.Template != "" {
		ids = []string{s.Template}
	}
	bs := &BoundService{Customer: cu, Service: s}
	if err := b.checkCreditLevel(cat, s, ids, f); err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, id := range ids {
		l, err := b.bindLevel(cat, bs, id, f, used)
		if err != nil {
			return nil, err
		}
		bs.Levels = append(bs.Levels, l)
	}
	for _, m := range []map[string]bool{keys(s.Inputs), keys(s.Params), keys(s.Fees)} {
		for _, k := range sortedKeys(m) {
			if !used[k] {
				return nil, b.errorf(s.Line, f, "%q is not an input, parameter or fee of %s", k, strings.Join(ids, ", "))
			}
		}
	}
	return bs, nil
}

func (b *Bound) bindLevel(cat *catalog.Catalog, bs *BoundService, id, f string, used map[string]bool) (*Level, error) {
	s := bs.Service
	t, err := cat.Template(id)
	if err != nil {
		return nil, b.errorf(s.Line, f+".template", "%v", err)
	}
	if t, err = b.credit(t, s, f); err != nil {
		return nil, err
	}
	l := &Level{Service: bs, Template: t, Inputs: map[string][]int32{},
		Numbers: map[string]*big.Rat{}, Enums: map[string]string{}}
	if err := b.bindInputs(l, f, used); err != nil {
		return nil, err
	}
	if err := b.bindParams(l, f, used); err != nil {
		return nil, err
	}
	for _, fee := range t.Fees() {
		v, ok := s.Fees[fee]
		if !ok {
			return nil, b.errorf(s.Line, f+".fees", "missing %q (the credit base of %s)", fee, id)
		}
		if v.IsNegative() {
			return nil, b.errorf(s.Line, f+".fees."+fee, "%s is negative", v)
		}
		used[fee] = true
	}
	for _, cid := range t.Caps {
		cp, _ := t.Provider.Cap(cid)
		if _, ok := s.Fees[cp.Fee]; !ok {
			return nil, b.errorf(s.Line, f+".fees", "missing %q (the base of the cap %s)", cp.Fee, cid)
		}
		used[cp.Fee] = true
		l.Caps = append(l.Caps, cp)
	}
	return l, nil
}

// checkCreditLevel resolves which level a contract's credit schedule is
// for: the one it names, or the only level whose seed states no credit.
func (b *Bound) checkCreditLevel(cat *catalog.Catalog, s *Service, ids []string, f string) error {
	o := s.Credit
	if o == nil {
		return nil
	}
	var open []string
	for _, id := range ids {
		if t, err := cat.Template(id); err == nil && t.Credit.FromContract {
			open = append(open, id)
		}
	}
	switch {
	case o.Level != "" && !slices.Contains(open, o.Level):
		return b.errorf(s.Line, f+".credit.level", "%q is not a level of this service whose SLA leaves the credit to the contract (%s)", o.Level, strings.Join(open, ", "))
	case o.Level == "" && len(open) != 1:
		return b.errorf(s.Line, f+".credit.level", "required: name one of %s", strings.Join(open, ", "))
	case o.Level == "":
		o.Level = open[0]
	}
	return nil
}

// credit applies the contract's credit schedule to the level it names.
func (b *Bound) credit(t *catalog.Template, s *Service, f string) (*catalog.Template, error) {
	o := s.Credit
	if o == nil || o.Level != t.ID {
		return t, nil
	}
	sc := catalog.Schedule{Fee: o.Fee, Missed: o.Missed, Pct: o.Pct}
	for _, tr := range o.Tiers {
		sc.Tiers = append(sc.Tiers, catalog.ScheduleTier{Above: tr.Above, UpTo: tr.UpTo, Pct: tr.Pct})
	}
	nt, err := t.WithCredit(sc)
	if err != nil {
		return nil, b.errorf(s.Line, f+".credit", "%v", err)
	}
	return nt, nil
}

func (b *Bound) bindInputs(l *Level, f string, used map[string]bool) error {
	s := l.Service.Service
	for _, in := range l.Template.Inputs {
		names, ok := s.Inputs[in.Name]
		if !ok {
			return b.errorf(s.Line, f+".inputs", "missing input %q of %s (%s)", in.Name, l.Template.ID, in.Description)
		}
		if len(names) < in.Min || (in.Max > 0 && len(names) > in.Max) {
			return b.errorf(s.Line, f+".inputs."+in.Name, "%d series; %s needs %s", len(names), l.Template.ID, countRange(in))
		}
		for _, n := range names {
			if n == "" {
				return b.errorf(s.Line, f+".inputs."+in.Name, "empty series name")
			}
			l.Inputs[in.Name] = append(l.Inputs[in.Name], b.series(n))
		}
		used[in.Name] = true
	}
	return nil
}

func (b *Bound) bindParams(l *Level, f string, used map[string]bool) error {
	s := l.Service.Service
	for _, p := range l.Template.Params {
		v, ok := s.Params[p.Name]
		if !ok && p.Default == "" {
			return b.errorf(s.Line, f+".params", "missing parameter %q of %s (%s)", p.Name, l.Template.ID, p.Description)
		}
		if !ok {
			v = p.Default
		}
		r, err := p.Parse(v)
		if err != nil {
			return b.errorf(s.Line, f+".params."+p.Name, "%v", err)
		}
		if p.Type == "enum" || p.Type == "region" {
			l.Enums[p.Name] = v
		} else {
			l.Numbers[p.Name] = r
		}
		used[p.Name] = true
	}
	return nil
}

func (b *Bound) series(name string) int32 {
	if i, ok := b.index[name]; ok {
		return i
	}
	i := int32(len(b.Series))
	b.Series = append(b.Series, name)
	b.index[name] = i
	return i
}

func (c *Contract) checkExclusions() error {
	for i := range c.Exclusions {
		e := &c.Exclusions[i]
		f := fmt.Sprintf("exclusions[%d]", i)
		if len(e.Items) == 0 || e.StartText != "" || e.EndText != "" {
			if err := c.parseTimes(e, f); err != nil {
				return err
			}
			if !e.End.After(e.Start) {
				return c.errorf(e.Line, f, "want start and end (RFC 3339) with end after start")
			}
		}
		for _, id := range e.Items {
			if id == "" {
				return c.errorf(e.Line, f+".items", "empty ticket or event id")
			}
		}
		if _, ok := catalog.ExclusionKinds[e.Kind]; !ok {
			return c.errorf(e.Line, f+".kind", "%q is not one of %s", e.Kind, strings.Join(sortedKeys(catalog.ExclusionKinds), ", "))
		}
		for _, ref := range e.Services {
			if !c.refExists(ref) {
				return c.errorf(e.Line, f+".services", "%q names no customer or customer/service of the contract", ref)
			}
		}
	}
	return nil
}

func (c *Contract) checkClosures() error {
	for i := range c.Closures {
		cl := &c.Closures[i]
		f := fmt.Sprintf("closures[%d]", i)
		p, err := calendar.ParseClosure(cl.Period, c.Location)
		if err != nil {
			return c.errorf(cl.Line, f+".period", "%v", err)
		}
		p.Reason = cl.Reason
		if p.Reason == "" {
			p.Reason = "contract closure"
		}
		cl.Parsed = p
		for _, r := range cl.Regions {
			if !slices.Contains(calendar.Regions(), r) {
				return c.errorf(cl.Line, f+".regions", "%q is not a calendar region (%s)", r, strings.Join(calendar.Regions(), ", "))
			}
		}
	}
	return nil
}

// ClosuresFor returns the contract's closures that apply to region.
func (c *Contract) ClosuresFor(region string) []calendar.Closure {
	var out []calendar.Closure
	for _, cl := range c.Closures {
		if len(cl.Regions) == 0 || slices.Contains(cl.Regions, region) {
			out = append(out, cl.Parsed)
		}
	}
	return out
}

func (c *Contract) parseTimes(e *Exclusion, f string) error {
	for _, x := range []struct {
		name, text string
		dst        *time.Time
	}{{"start", e.StartText, &e.Start}, {"end", e.EndText, &e.End}} {
		if x.text == "" {
			return c.errorf(e.Line, f+"."+x.name, "required")
		}
		t, err := parseTime(x.text, c.Location)
		if err != nil {
			return c.errorf(e.Line, f+"."+x.name, "%v", err)
		}
		*x.dst = t
	}
	if e.AnnouncedText != "" {
		t, err := parseTime(e.AnnouncedText, c.Location)
		if err != nil {
			return c.errorf(e.Line, f+".announced", "%v", err)
		}
		e.Announced = &t
	}
	return nil
}

func (c *Contract) refExists(ref string) bool {
	cid, sid, hasService := strings.Cut(ref, "/")
	for _, cu := range c.Customers {
		if cu.ID != cid {
			continue
		}
		if !hasService {
			return true
		}
		return slices.ContainsFunc(cu.Services, func(s Service) bool { return s.ID == sid })
	}
	return false
}

// applicable returns the exclusions that name the service, each marked
// with whether the level's provider honours it.
func (c *Contract) applicable(s *BoundService, t *catalog.Template) []AppliedExclusion {
	var out []AppliedExclusion
	for i := range c.Exclusions {
		e := &c.Exclusions[i]
		if !e.names(s) {
			continue
		}
		ok, why := honours(t.Provider, e)
		out = append(out, AppliedExclusion{Exclusion: e, Applies: ok, Why: why})
	}
	return out
}

func (e *Exclusion) names(s *BoundService) bool {
	if len(e.Services) == 0 {
		return true
	}
	return slices.Contains(e.Services, s.Customer.ID) ||
		slices.Contains(e.Services, s.Customer.ID+"/"+s.Service.ID)
}

func honours(p *catalog.Provider, e *Exclusion) (bool, string) {
	if !slices.Contains(p.Exclusions.Kinds, e.Kind) {
		return false, fmt.Sprintf("%s does not exclude %s (%s)", p.Name, e.Kind, catalog.ExclusionKinds[e.Kind])
	}
	h, ok := p.Exclusions.NoticeHours[e.Kind]
	if !ok {
		return true, ""
	}
	need := time.Duration(h) * time.Hour
	if e.Announced == nil {
		return false, fmt.Sprintf("%s needs %d hours' notice and the window has no announced time", e.Kind, h)
	}
	if got := e.Start.Sub(*e.Announced); got < need {
		return false, fmt.Sprintf("announced %s before its start; %s needs %d hours' notice", fmtDuration(got), e.Kind, h)
	}
	return true, ""
}

func fmtDuration(d time.Duration) string {
	if d < 0 {
		return "after its start, not"
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if m == 0 {
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d hours %d minutes", h, m)
}

func countRange(in catalog.Input) string {
	switch {
	case in.Max == in.Min:
		return fmt.Sprintf("exactly %d", in.Min)
	case in.Max == 0:
		return fmt.Sprintf("at least %d", in.Min)
	}
	return fmt.Sprintf("%d to %d", in.Min, in.Max)
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (b *Bound) errorf(line int, field, format string, args ...any) error {
	return b.Contract.errorf(line, field, format, args...)
}
