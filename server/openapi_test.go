package server

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/replica"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch/notify"
)

// publicRoutes need no token.
var publicRoutes = []string{"GET /healthz", "GET /metrics", "GET /api/openapi.json", "GET /api/public", "GET /api/public/{name}"}

// openAPIDoc decodes the embedded document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// docOperations returns the document's operations by "METHOD /path".
func docOperations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	paths, _ := doc["paths"].(map[string]any)
	ops := map[string]map[string]any{}
	for path, item := range paths {
		for method, v := range item.(map[string]any) {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			o, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("paths[%q].%s: not an object", path, method)
			}
			ops[strings.ToUpper(method)+" "+path] = o
		}
	}
	return ops
}

var (
	reRoutes   = regexp.MustCompile(`(?s)func \(s \*Server\) routes\(\) \(http\.Handler, error\) \{\n(.*?)\n\}\n`)
	reRoleVar  = regexp.MustCompile(`(?m)^\s*(\w+) := \[\]string\{([^}]*)\}`)
	rePublic   = regexp.MustCompile(`(?m)^\s*mux\.Handle(?:Func)?\("([A-Z]+) (/[^"]*)"`)
	reRoute    = regexp.MustCompile(`(?m)^\s*h\("([A-Z]+) (/[^"]*)", ([^,]+), `)
	reKinds    = regexp.MustCompile(`for _, k := range \[\]recordKind\{([^}]*)\} \{`)
	reBase     = regexp.MustCompile(`base := "([^"]*)" \+ k\.Doc \+ "([^"]*)"`)
	reKindCall = regexp.MustCompile(`(?m)^\s*h\("([A-Z]+) "\+base(?:\+"([^"]*)")?, ([^,]+), `)
	reAnyCall  = regexp.MustCompile(`(?m)^\s*(?:h|mux\.Handle|mux\.HandleFunc)\("`)
)

// registeredRoutes reads the patterns routes() registers from http.go's
// source, with the roles allowed for each (nil: public). The loop over
// record kinds is expanded with the kinds' real document names.
func registeredRoutes(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile("http.go")
	if err != nil {
		t.Fatal(err)
	}
	m := reRoutes.FindSubmatch(src)
	if m == nil {
		t.Fatal("http.go: no routes() function")
	}
	body := string(m[1])
	roleVars := map[string][]string{}
	for _, v := range reRoleVar.FindAllStringSubmatch(body, -1) {
		roleVars[v[1]] = parseRoles(t, v[2])
	}
	roles := func(expr string) []string {
		if r, ok := roleVars[expr]; ok {
			return r
		}
		inner, ok := strings.CutPrefix(expr, "[]string{")
		if !ok {
			t.Fatalf("http.go: roles %q: not a known variable or a []string literal", expr)
		}
		return parseRoles(t, strings.TrimSuffix(inner, "}"))
	}
	out := map[string][]string{}
	add := func(method, path, rolesExpr string) {
		key := method + " " + path
		if _, dup := out[key]; dup {
			t.Fatalf("http.go: %s registered twice", key)
		}
		out[key] = nil
		if rolesExpr != "" {
			out[key] = roles(rolesExpr)
		}
	}
	for _, c := range rePublic.FindAllStringSubmatch(body, -1) {
		add(c[1], c[2], "")
	}
	for _, c := range reRoute.FindAllStringSubmatch(body, -1) {
		add(c[1], c[2], c[3])
	}
	calls := len(rePublic.FindAllString(body, -1)) + len(reRoute.FindAllString(body, -1)) + expandKinds(t, body, add)
	if n := len(reAnyCall.FindAllString(body, -1)); n != calls {
		t.Fatalf("http.go: %d registrations in routes(), %d understood: teach this test the new form", n, calls)
	}
	return out
}

// expandKinds adds the routes of the loop over record kinds, one set per
// kind, and returns the number of registrations in the loop's body.
func expandKinds(t *testing.T, body string, add func(method, path, rolesExpr string)) int {
	t.Helper()
	km := reKinds.FindStringSubmatch(body)
	if km == nil {
		return 0
	}
	base := reBase.FindStringSubmatch(body)
	if base == nil {
		t.Fatal(`http.go: the record kinds' loop has no base := "..." + k.Doc + "..."`)
	}
	calls := reKindCall.FindAllStringSubmatch(body, -1)
	for _, name := range strings.Split(km[1], ",") {
		k := recordKindNamed(t, strings.TrimSpace(name))
		for _, c := range calls {
			add(c[1], base[1]+k.Doc+base[2]+c[2], c[3])
		}
	}
	return len(calls)
}

func recordKindNamed(t *testing.T, name string) recordKind {
	t.Helper()
	k, ok := map[string]recordKind{"docs.TicketKind": docs.TicketKind, "docs.EventKind": docs.EventKind, "docs.ClaimKind": docs.ClaimKind}[name]
	if !ok {
		t.Fatalf("http.go: record kind %q unknown to this test", name)
	}
	return k
}

func parseRoles(t *testing.T, list string) []string {
	t.Helper()
	names := map[string]string{"auth.RoleOperator": auth.RoleOperator, "auth.RoleCustomer": auth.RoleCustomer, "auth.RoleAgent": auth.RoleAgent}
	var out []string
	for _, f := range strings.Split(list, ",") {
		r, ok := names[strings.TrimSpace(f)]
		if !ok {
			t.Fatalf("http.go: role %q unknown to this test", f)
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info = %v, want a title and a version", info)
	}
	if _, ok := doc["paths"].(map[string]any); !ok {
		t.Fatal("no paths")
	}
	schemes, _ := jsonPointer(doc, "#/components/securitySchemes/bearer").(map[string]any)
	if schemes["type"] != "http" || schemes["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearer = %v, want HTTP bearer", schemes)
	}
}

// TestOpenAPIRoutes checks that the document describes exactly the
// routes the server registers, each with the roles that may call it.
func TestOpenAPIRoutes(t *testing.T) {
	doc := openAPIDoc(t)
	ops := docOperations(t, doc)
	routes := registeredRoutes(t)
	if len(routes) < 30 {
		t.Fatalf("read %d routes from http.go; the parsing is broken", len(routes))
	}
	for r := range routes {
		if ops[r] == nil {
			t.Errorf("%s: registered but not documented", r)
		}
	}
	ids := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		o := ops[key]
		roles, registered := routes[key]
		if !registered {
			t.Errorf("%s: documented but not registered", key)
			continue
		}
		for _, f := range []string{"summary", "operationId"} {
			if s, _ := o[f].(string); s == "" {
				t.Errorf("%s: no %s", key, f)
			}
		}
		id, _ := o["operationId"].(string)
		if other, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q also on %s", key, id, other)
		}
		ids[id] = key
		checkSecurity(t, key, o, roles)
		checkPathParams(t, doc, key, o)
	}
	var public []string
	for r, roles := range routes {
		if roles == nil {
			public = append(public, r)
		}
	}
	slices.Sort(public)
	if want := slices.Sorted(slices.Values(publicRoutes)); !slices.Equal(public, want) {
		t.Errorf("public routes in http.go = %v, want %v", public, want)
	}
}

// checkSecurity checks that an operation needs a bearer token unless it
// is public, and that x-roles are the roles routes() allows.
func checkSecurity(t *testing.T, key string, o map[string]any, roles []string) {
	t.Helper()
	sec, hasSec := o["security"].([]any)
	if roles == nil {
		if !hasSec || len(sec) != 0 {
			t.Errorf("%s: public, want security: []", key)
		}
		return
	}
	if len(sec) == 0 {
		t.Errorf("%s: no security", key)
	}
	var got []string
	xr, _ := o["x-roles"].([]any)
	for _, r := range xr {
		s, _ := r.(string)
		got = append(got, s)
	}
	slices.Sort(got)
	if !slices.Equal(got, roles) {
		t.Errorf("%s: x-roles = %v, want %v (as in http.go)", key, got, roles)
	}
	resp, _ := o["responses"].(map[string]any)
	if resp["401"] == nil {
		t.Errorf("%s: no 401 response", key)
	}
}

var reParam = regexp.MustCompile(`\{(\w+)\}`)

// checkPathParams checks that an operation declares exactly its path's
// parameters.
func checkPathParams(t *testing.T, doc map[string]any, key string, o map[string]any) {
	t.Helper()
	var want, got []string
	for _, m := range reParam.FindAllStringSubmatch(key, -1) {
		want = append(want, m[1])
	}
	ps, _ := o["parameters"].([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm, _ = jsonPointer(doc, ref).(map[string]any)
		}
		if pm["in"] == "path" {
			got = append(got, pm["name"].(string))
			if pm["required"] != true {
				t.Errorf("%s: path parameter %v not required", key, pm["name"])
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: path parameters %v, want %v", key, got, want)
	}
}

// TestOpenAPISchemas checks that request schemas have the fields the
// server decodes: the record kinds' CSV columns and the JSON structs'
// tags.
func TestOpenAPISchemas(t *testing.T) {
	doc := openAPIDoc(t)
	want := map[string][]string{
		"TicketInput":   docs.TicketKind.Cols,
		"EventInput":    docs.EventKind.Cols,
		"ClaimInput":    docs.ClaimKind.Cols,
		"CustomerInput": jsonFields(reflect.TypeFor[Customer]()),
		"Contacts":      jsonFields(reflect.TypeFor[notify.Contacts]()),
		"Exclusion":     jsonFields(reflect.TypeFor[Exclusion]()),
		"IngestResult":  {"minutes", "records"},
		"TokenRequest":  {"role", "customer", "agent", "name", "expires"},
		"RotateRequest": {"expires", "overlap"},
		"TokenInfo":     jsonFields(reflect.TypeFor[TokenInfo]()),
		"Replicas":      jsonFields(reflect.TypeFor[replica.State]()),
		"TicketTime":    {"at"},
	}
	for name, fields := range want {
		s, _ := jsonPointer(doc, "#/components/schemas/"+name).(map[string]any)
		props, _ := s["properties"].(map[string]any)
		got := slices.Sorted(maps.Keys(props))
		if w := slices.Sorted(slices.Values(fields)); !slices.Equal(got, w) {
			t.Errorf("schema %s: properties %v, want %v", name, got, w)
		}
	}
}

// jsonFields returns the JSON names of a struct's fields.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// TestOpenAPIRefs checks that every $ref points into the document.
func TestOpenAPIRefs(t *testing.T) {
	doc := openAPIDoc(t)
	n := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"]; ok {
				n++
				s, _ := ref.(string)
				if !strings.HasPrefix(s, "#/") || jsonPointer(doc, s) == nil {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Error("no $ref at all")
	}
}

// jsonPointer resolves a local reference ("#/a/b~1c"), or returns nil.
func jsonPointer(doc any, ref string) any {
	v := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
		if v == nil {
			return nil
		}
	}
	return v
}
