package portal

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
)

var funcs = template.FuncMap{
	"verdict": func(met *bool) string {
		switch {
		case met == nil:
			return "undetermined"
		case *met:
			return "met"
		}
		return "missed"
	},
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return when(v)
		case *time.Time:
			if v == nil {
				return ""
			}
			return when(*v)
		case *string:
			if v == nil {
				return ""
			}
			if tt, err := time.Parse(time.RFC3339, *v); err == nil {
				return when(tt)
			}
			return *v
		case string:
			if tt, err := time.Parse(time.RFC3339, v); err == nil {
				return when(tt)
			}
			return v
		}
		return fmt.Sprint(t)
	},
	"left":  left,
	"deref": func(p *int) int { return deref(p) },
	"lines": func(xs []string) string { return strings.Join(xs, "\n") },
	"join":  func(xs []string) string { return strings.Join(xs, ", ") },
	"formv": func(f url.Values, k string) string { return f.Get(k) },
	"path":  url.PathEscape,
	"add":   func(a, b int) int { return a + b },
	"webhookURL": func(c customerDoc) string {
		if c.Contacts.Webhook == nil {
			return ""
		}
		return c.Contacts.Webhook.URL
	},
	"sentOn": func(m map[string]time.Time) string {
		var out []string
		for k, v := range m {
			out = append(out, k+" "+when(v))
		}
		return strings.Join(out, "; ")
	},
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// when prints an instant with its offset, so that a repeated hour of a
// clock change reads unambiguously.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}

// left prints the time to a deadline, or how far past it.
func left(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d < 0 {
		return "overdue by " + (-d).String()
	}
	return d.String() + " left"
}
