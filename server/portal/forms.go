package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/docs"
)

// form is one thing an SLA desk does by hand: its route under
// /c/{customer}/ and the API request it makes from the form's values.
type form struct {
	path string
	// request returns the API method, path (under the customer's) and
	// body; a preview form's answer is shown, not stored.
	request func(r *http.Request, f url.Values) (method, path string, body any, err error)
	done    string // what the page says once done
	preview bool
}

var forms = []form{
	{path: "maintenance", done: "maintenance announced", request: exclusionForm("maintenance")},
	{path: "maintenance/preview", preview: true, request: exclusionForm("maintenance")},
	{path: "exclusions", done: "exclusion added", request: exclusionForm("exclusions")},
	{path: "tickets", done: "ticket opened", request: recordForm("tickets", "id", "service", "kind", "channel", "location_class", "access", "note")},
	{path: "tickets/{id}/respond", done: "ticket responded to", request: timeForm("tickets", "respond")},
	{path: "tickets/{id}/resolve", done: "ticket resolved", request: timeForm("tickets", "resolve")},
	{path: "claims", done: "claim submitted", request: recordForm("claims", "id", "service", "level", "ref", "description", "duration", "tickets", "attempts")},
	{path: "claims/{id}/confirm", done: "claim confirmed", request: timeForm("claims", "confirm")},
	{path: "recompute", done: "recompute started", request: func(r *http.Request, f url.Values) (string, string, any, error) {
		return "POST", "/reports/" + url.PathEscape(f.Get("month")) + "/recompute", struct{}{}, nil
	}},
	{path: "contacts", done: "contacts saved", request: contactsForm},
	{path: "test-notice", done: "test notice queued to every contact: see its state under Notices", request: func(r *http.Request, f url.Values) (string, string, any, error) {
		return "POST", "/test-notice", struct{}{}, nil
	}},
}

func exclusionForm(route string) func(*http.Request, url.Values) (string, string, any, error) {
	return func(r *http.Request, f url.Values) (string, string, any, error) {
		x := docs.Exclusion{ID: strings.TrimSpace(f.Get("id")), Start: strings.TrimSpace(f.Get("start")), End: strings.TrimSpace(f.Get("end")),
			Reason: strings.TrimSpace(f.Get("reason")), Services: f["services"]}
		if route == "exclusions" {
			x.Kind = strings.TrimSpace(f.Get("kind"))
		}
		path := "/" + route
		if strings.HasSuffix(r.URL.Path, "/preview") {
			path += "?dry_run=true"
		}
		return "POST", path, x, nil
	}
}

func recordForm(kind string, fields ...string) func(*http.Request, url.Values) (string, string, any, error) {
	return func(r *http.Request, f url.Values) (string, string, any, error) {
		rec := map[string]string{}
		for _, k := range fields {
			if v := strings.TrimSpace(f.Get(k)); v != "" {
				rec[k] = v
			}
		}
		return "POST", "/" + kind, rec, nil
	}
}

func timeForm(kind, verb string) func(*http.Request, url.Values) (string, string, any, error) {
	return func(r *http.Request, f url.Values) (string, string, any, error) {
		body := map[string]string{}
		if at := strings.TrimSpace(f.Get("at")); at != "" {
			body["at"] = at
		}
		return "POST", "/" + kind + "/" + url.PathEscape(r.PathValue("id")) + "/" + verb, body, nil
	}
}

// contactsForm changes the notice contacts: one address or fax number a
// line; the webhook's secret is kept unless a new one is typed.
func contactsForm(r *http.Request, f url.Values) (string, string, any, error) {
	c := docs.Customer{ID: r.PathValue("customer"), Name: strings.TrimSpace(f.Get("name"))}
	c.Contacts.Email = lines(f.Get("email"))
	c.Contacts.Fax = lines(f.Get("fax"))
	if u := strings.TrimSpace(f.Get("webhook_url")); u != "" {
		secret := f.Get("webhook_secret")
		if secret == "" {
			secret = "(set)" // what the API shows of a secret it keeps
		}
		c.Contacts.Webhook = &notify.WebhookContact{URL: u, Secret: secret}
	}
	return "PUT", "", c, nil
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// doneText is what the page says once a form is done, by the form's
// path the URL carries: never text from the URL itself.
func doneText(path string) string {
	for _, f := range forms {
		if f.path == path && f.done != "" {
			return f.done
		}
	}
	return ""
}

// form handles a form post: the API request it stands for, then back to
// the customer's page with what was done, or the page again with the
// API's refusal and the values typed.
func (p *Portal) form(f form) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		id := r.PathValue("customer")
		method, path, body, err := f.request(r, r.PostForm)
		if err == nil {
			var out exclusionView
			err = p.call(r.Context(), s.who, method, "/api/customers/"+url.PathEscape(id)+path, body, &out)
			if err == nil && f.preview {
				p.again(w, r, s, id, "", &out)
				return
			}
		}
		if err != nil {
			if ae, ok := err.(*apiError); ok && ae.Status < 500 {
				p.again(w, r, s, id, ae.Message, nil)
				return
			}
			p.fail(w, r, s, err)
			return
		}
		p.sums.forget(id)
		back := "/c/" + url.PathEscape(id) + "?done=" + url.QueryEscape(f.path)
		if m := r.PostForm.Get("month"); m != "" {
			back += "&month=" + url.QueryEscape(m)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// again shows the customer's page with a form's refusal or preview.
func (p *Portal) again(w http.ResponseWriter, r *http.Request, s *session, id, refusal string, preview *exclusionView) {
	d, err := p.load(r.Context(), s.who, id, r.PostForm.Get("month"))
	if err != nil {
		p.fail(w, r, s, err)
		return
	}
	d.Error, d.Preview, d.Form = refusal, preview, r.PostForm
	status := http.StatusOK
	if refusal != "" {
		d.Error = fmt.Sprintf("not done: %s", refusal)
		status = http.StatusUnprocessableEntity
	}
	p.render(w, r, s, status, "customer", d)
}
