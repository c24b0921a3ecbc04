package oapi

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ErrNoOperation reports a method and path that match no operation of the
// description.
var ErrNoOperation = errors.New("oapi: no such operation in the OpenAPI description")

// ErrNoSchema reports an operation, status or content type for which the
// description has no schema to check a body against.
var ErrNoSchema = errors.New("oapi: no schema for this body in the OpenAPI description")

// docURL names the document inside the schema compiler. It is never fetched:
// the compiler's loader refuses every URL (all references are local).
const docURL = "file:///oapi/business-messaging-api_v23.0.json"

// Spec is the patched OpenAPI description. It is safe for concurrent use.
// Get it with [Load].
type Spec struct {
	path     string
	doc      map[string]any
	patches  patchReport
	loadTime time.Duration
	ops      []*operation          // sorted by method and template
	byKey    map[string]*operation // operationId, and "METHOD template"

	mu       sync.Mutex // guards compiler and schemas
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // by JSON pointer

	seenMu sync.Mutex
	seen   map[string]int // known defect ID -> violations excused
}

// operation is one method of one path item.
type operation struct {
	method   string // upper case
	template string // e.g. /{Version}/{Phone-Number-ID}/messages
	id       string // operationId; "" for the webhook
	segs     []string
	literals int // segments that are not {parameters}
	ptr      string
	node     map[string]any
}

// key is how callers name the operation: its operationId, or
// "METHOD template" when it has none.
func (o *operation) key() string {
	if o.id != "" {
		return o.id
	}
	return o.method + " " + o.template
}

func (o *operation) String() string {
	if o.id == "" {
		return o.method + " " + o.template
	}
	return o.method + " " + o.template + " (" + o.id + ")"
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func newSpec(path string, doc map[string]any, quoted []string) (*Spec, error) {
	s := &Spec{
		path:    path,
		doc:     doc,
		byKey:   map[string]*operation{},
		schemas: map[string]*jsonschema.Schema{},
		seen:    map[string]int{},
	}
	s.patches.QuotedKeys = quoted
	if err := applyPatches(doc, &s.patches); err != nil {
		return nil, err
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("no paths")
	}
	for tmpl, item := range paths {
		item, _ := item.(map[string]any)
		for _, m := range methods {
			node, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			o := &operation{
				method:   strings.ToUpper(m),
				template: tmpl,
				segs:     splitPath(tmpl),
				ptr:      "/paths/" + escapePtr(tmpl) + "/" + m,
				node:     node,
			}
			o.id, _ = node["operationId"].(string)
			for _, seg := range o.segs {
				if !isParam(seg) {
					o.literals++
				}
			}
			if _, dup := s.byKey[o.key()]; dup {
				return nil, fmt.Errorf("operation %s declared twice", o.key())
			}
			s.byKey[o.key()] = o
			s.byKey[o.method+" "+o.template] = o
			s.ops = append(s.ops, o)
		}
	}
	sort.Slice(s.ops, func(i, j int) bool {
		if s.ops[i].template != s.ops[j].template {
			return s.ops[i].template < s.ops[j].template
		}
		return s.ops[i].method < s.ops[j].method
	})

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	if err := c.AddResource(docURL, any(doc)); err != nil {
		return nil, err
	}
	s.compiler = c
	return s, nil
}

// noLoader refuses to fetch anything: the document is the only resource.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("oapi: refusing to load %s: only local references are supported", u)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// match returns the operations for method whose template matches the
// concrete path, keeping only those with the most literal segments.
func (s *Spec) match(method, path string) []*operation {
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path // drop scheme, host and query
	}
	segs := splitPath(path)
	method = strings.ToUpper(method)
	var best []*operation
	for _, o := range s.ops {
		if o.method != method || len(o.segs) != len(segs) {
			continue
		}
		ok := true
		for i, seg := range o.segs {
			if isParam(seg) {
				ok = segs[i] != ""
			} else {
				ok = seg == segs[i]
			}
			if !ok {
				break
			}
		}
		switch {
		case !ok:
		case len(best) == 0 || o.literals > best[0].literals:
			best = []*operation{o}
		case o.literals == best[0].literals:
			best = append(best, o)
		}
	}
	return best
}

// Operations returns the operations that a request with this method and
// concrete path (such as /v23.0/1234/messages) may be, named as
// [Spec.ValidateRequestOp] expects: by operationId, or "METHOD template" for
// the webhook, which has none. Templates with more literal segments win, so
// several results mean the path alone cannot tell them apart.
func (s *Spec) Operations(method, path string) []string {
	var keys []string
	for _, o := range s.match(method, path) {
		keys = append(keys, o.key())
	}
	return keys
}

// AmbiguousError reports a method and path that match several operations
// whose schemas for the body differ. Name the operation instead, with
// [Spec.ValidateRequestOp] or [Spec.ValidateResponseOp].
type AmbiguousError struct {
	// Method and Path are the request's, as given.
	Method, Path string
	// Candidates are the operations, as "METHOD template (operationId)".
	Candidates []string
}

// Error lists the candidate operations, one per line.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("oapi: %s %s matches %d operations with different schemas; name one with the *Op functions:\n\t%s",
		e.Method, e.Path, len(e.Candidates), strings.Join(e.Candidates, "\n\t"))
}

// pick resolves method and path to one operation, using schemaPtr to tell
// whether the candidates would check the body the same way.
func (s *Spec) pick(method, path string, schemaPtr func(*operation) (string, error)) (*operation, error) {
	ops := s.match(method, path)
	if len(ops) == 0 {
		return nil, fmt.Errorf("%w: %s %s", ErrNoOperation, strings.ToUpper(method), path)
	}
	if len(ops) == 1 {
		return ops[0], nil
	}
	var first any
	same := true
	for i, o := range ops {
		var v any
		if ptr, err := schemaPtr(o); err == nil {
			v, _ = lookup(s.doc, ptr)
		}
		if i == 0 {
			first = v
		} else if !reflect.DeepEqual(first, v) {
			same = false
			break
		}
	}
	if same {
		return ops[0], nil
	}
	e := &AmbiguousError{Method: strings.ToUpper(method), Path: path}
	for _, o := range ops {
		e.Candidates = append(e.Candidates, o.String())
	}
	return nil, e
}

func (s *Spec) op(key string) (*operation, error) {
	if o, ok := s.byKey[key]; ok {
		return o, nil
	}
	return nil, fmt.Errorf("%w: no operationId %q", ErrNoOperation, key)
}

// deref follows a $ref to a reusable object (request body or response).
func (s *Spec) deref(ptr string) (string, map[string]any, bool) {
	for range 10 {
		v, ok := lookup(s.doc, ptr)
		m, isMap := v.(map[string]any)
		if !ok || !isMap {
			return ptr, nil, false
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return ptr, m, true
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return ptr, nil, false
}

// bodyContentTypes are the request content types whose schema describes a
// JSON body (JSON) or its form fields as an object (the other two).
var bodyContentTypes = []string{"application/json", "multipart/form-data", "application/x-www-form-urlencoded"}

// requestSchema returns the pointer of the schema of o's request body.
func (s *Spec) requestSchema(o *operation) (string, error) {
	ptr, rb, ok := s.deref(o.ptr + "/requestBody")
	if !ok {
		return "", fmt.Errorf("%w: %s has no request body", ErrNoSchema, o)
	}
	content, _ := rb["content"].(map[string]any)
	for _, ct := range bodyContentTypes {
		if mt, ok := content[ct].(map[string]any); ok && mt["schema"] != nil {
			return ptr + "/content/" + escapePtr(ct) + "/schema", nil
		}
	}
	return "", fmt.Errorf("%w: %s request body has content types %v, none of %v",
		ErrNoSchema, o, sortedKeys(content), bodyContentTypes)
}

// responseSchema returns the pointer of the JSON schema of o's response with
// this status ("200", then "2XX", then "default").
func (s *Spec) responseSchema(o *operation, status int) (string, error) {
	responses, _ := lookup(s.doc, o.ptr+"/responses")
	rs, _ := responses.(map[string]any)
	code := strconv.Itoa(status)
	for _, k := range []string{code, code[:1] + "XX", "default"} {
		if _, ok := rs[k]; !ok {
			continue
		}
		ptr, r, ok := s.deref(o.ptr + "/responses/" + escapePtr(k))
		if !ok {
			break
		}
		content, _ := r["content"].(map[string]any)
		if mt, ok := content["application/json"].(map[string]any); ok && mt["schema"] != nil {
			return ptr + "/content/application~1json/schema", nil
		}
		return "", fmt.Errorf("%w: %s response %s has no application/json schema (content types %v)",
			ErrNoSchema, o, k, sortedKeys(content))
	}
	return "", fmt.Errorf("%w: %s declares no response %d (declared: %v)", ErrNoSchema, o, status, sortedKeys(rs))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// schema compiles (once) the schema at the JSON pointer ptr.
func (s *Spec) schema(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(docURL + "#" + encodePtr(ptr))
	if err != nil {
		return nil, fmt.Errorf("oapi: compile %s: %w", ptr, err)
	}
	s.schemas[ptr] = sch
	return sch, nil
}

// encodePtr escapes a JSON pointer for use as a URL fragment.
func encodePtr(ptr string) string {
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = url.PathEscape(t)
	}
	return strings.Join(toks, "/")
}

// ValidateRequest checks body, the JSON request body of method and path (a
// concrete path such as /v23.0/1234/messages; scheme, host and query are
// ignored). For an operation whose body is only multipart/form-data or
// application/x-www-form-urlencoded, body is the form fields as a JSON
// object.
//
// It returns nil, a *[Violations] listing what does not match (minus
// [KnownDefects]), an *[AmbiguousError] when the path fits several
// operations with different schemas, or an error wrapping [ErrNoOperation]
// or [ErrNoSchema].
func (s *Spec) ValidateRequest(method, path string, body any) error {
	o, err := s.pick(method, path, s.requestSchema)
	if err != nil {
		return err
	}
	return s.validateRequest(o, body)
}

// ValidateRequestOp is [Spec.ValidateRequest] for the operation with this
// operationId (or "METHOD template" for an operation without one, such as
// "POST /whatsapp/webhooks").
func (s *Spec) ValidateRequestOp(operationID string, body any) error {
	o, err := s.op(operationID)
	if err != nil {
		return err
	}
	return s.validateRequest(o, body)
}

// ValidateWebhook checks a webhook payload: the request body of
// POST /whatsapp/webhooks.
func (s *Spec) ValidateWebhook(body any) error {
	return s.ValidateRequestOp("POST "+webhookPath, body)
}

// ValidateResponse checks body, the JSON response with this status to
// method and path, as [Spec.ValidateRequest] does for requests. The status
// is looked up as declared, then as 2XX, then as default.
func (s *Spec) ValidateResponse(method, path string, status int, body any) error {
	o, err := s.pick(method, path, func(o *operation) (string, error) { return s.responseSchema(o, status) })
	if err != nil {
		return err
	}
	return s.validateResponse(o, status, body)
}

// ValidateResponseOp is [Spec.ValidateResponse] for the operation with this
// operationId.
func (s *Spec) ValidateResponseOp(operationID string, status int, body any) error {
	o, err := s.op(operationID)
	if err != nil {
		return err
	}
	return s.validateResponse(o, status, body)
}

// ValidateSchema checks body against the component schema with this name,
// such as "GraphAPIError" (the error body, which POST .../messages does not
// declare) or "Statuses" (one webhook status).
func (s *Spec) ValidateSchema(name string, body any) error {
	ptr := "/components/schemas/" + escapePtr(name)
	if _, ok := lookup(s.doc, ptr); !ok {
		return fmt.Errorf("%w: no component schema %q", ErrNoSchema, name)
	}
	return s.check("schema "+name, ptr, body)
}

func (s *Spec) validateRequest(o *operation, body any) error {
	ptr, err := s.requestSchema(o)
	if err != nil {
		return err
	}
	return s.check(o.String()+" request body", ptr, body)
}

func (s *Spec) validateResponse(o *operation, status int, body any) error {
	ptr, err := s.responseSchema(o, status)
	if err != nil {
		return err
	}
	return s.check(fmt.Sprintf("%s response %d", o, status), ptr, body)
}

// check validates body against the schema at ptr, drops and counts the
// violations that are known defects, and returns the rest.
func (s *Spec) check(target, ptr string, body any) error {
	rest, hits, err := s.validate(ptr, body)
	if err != nil {
		return fmt.Errorf("oapi: %s: %w", target, err)
	}
	s.record(hits)
	if len(rest) == 0 {
		return nil
	}
	return &Violations{Target: target, List: rest}
}

// validate is check without the bookkeeping.
func (s *Spec) validate(ptr string, body any) (rest []Violation, hits []defectHit, err error) {
	inst, err := parseJSON(body)
	if err != nil {
		return nil, nil, err
	}
	sch, err := s.schema(ptr)
	if err != nil {
		return nil, nil, err
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil, nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, nil, err
	}
	rest, hits = s.reduce(ve, inst)
	return rest, hits, nil
}

func (s *Spec) record(hits []defectHit) {
	if len(hits) == 0 {
		return
	}
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	for _, h := range hits {
		s.seen[h.ID]++
	}
}

// DefectsSeen returns, for each [KnownDefects] ID, how many violations it
// has excused so far in this process (in any test). IDs never hit are
// absent. A test can compare it with KnownDefects to keep the list honest.
func (s *Spec) DefectsSeen() map[string]int {
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	m := make(map[string]int, len(s.seen))
	for k, v := range s.seen {
		m[k] = v
	}
	return m
}

// LoadTime reports how long reading, converting and patching the file took.
func (s *Spec) LoadTime() time.Duration { return s.loadTime }

// Path returns the file the description was read from.
func (s *Spec) Path() string { return s.path }

// CheckRequest is [Spec.ValidateRequest] that reports any error with
// t.Errorf.
func (s *Spec) CheckRequest(t testing.TB, method, path string, body any) {
	t.Helper()
	if err := s.ValidateRequest(method, path, body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckRequestOp is [Spec.ValidateRequestOp] that reports any error with
// t.Errorf.
func (s *Spec) CheckRequestOp(t testing.TB, operationID string, body any) {
	t.Helper()
	if err := s.ValidateRequestOp(operationID, body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckWebhook is [Spec.ValidateWebhook] that reports any error with
// t.Errorf.
func (s *Spec) CheckWebhook(t testing.TB, body any) {
	t.Helper()
	if err := s.ValidateWebhook(body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckResponse is [Spec.ValidateResponse] that reports any error with
// t.Errorf.
func (s *Spec) CheckResponse(t testing.TB, method, path string, status int, body any) {
	t.Helper()
	if err := s.ValidateResponse(method, path, status, body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckResponseOp is [Spec.ValidateResponseOp] that reports any error with
// t.Errorf.
func (s *Spec) CheckResponseOp(t testing.TB, operationID string, status int, body any) {
	t.Helper()
	if err := s.ValidateResponseOp(operationID, status, body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckSchema is [Spec.ValidateSchema] that reports any error with t.Errorf.
func (s *Spec) CheckSchema(t testing.TB, name string, body any) {
	t.Helper()
	if err := s.ValidateSchema(name, body); err != nil {
		t.Errorf("%v", err)
	}
}

// Example is one named example of a request body from the description.
type Example struct {
	Name  string
	Value any // JSON values: map[string]any, []any, json.Number, ...
}

// RequestExamples returns the request body examples of the operation with
// this operationId (or "METHOD template"), sorted by name. The values are
// shared: do not modify them.
func (s *Spec) RequestExamples(operationID string) ([]Example, error) {
	o, err := s.op(operationID)
	if err != nil {
		return nil, err
	}
	ptr, err := s.requestSchema(o)
	if err != nil {
		return nil, err
	}
	mt, _ := lookup(s.doc, strings.TrimSuffix(ptr, "/schema"))
	exs, _ := mt.(map[string]any)["examples"].(map[string]any)
	var out []Example
	for _, name := range sortedKeys(exs) {
		if ex, ok := exs[name].(map[string]any); ok {
			out = append(out, Example{Name: name, Value: ex["value"]})
		}
	}
	return out, nil
}
