package oapi

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Violation is one way in which a body does not match the description.
type Violation struct {
	// InstanceLocation is the JSON pointer of the offending value in the
	// body, such as /text/body ("" is the whole body).
	InstanceLocation string
	// KeywordLocation is the absolute location of the failing keyword in
	// the description, as a URI fragment with a JSON pointer, such as
	// #/components/schemas/TextMessage/allOf/1/properties/text/properties/body/type.
	KeywordLocation string
	// Message says what is wrong, such as "got number, want string".
	Message string
}

// String formats the violation as "location: message [keyword location]".
func (v Violation) String() string {
	loc := v.InstanceLocation
	if loc == "" {
		loc = "(body)"
	}
	return fmt.Sprintf("%s: %s [%s]", loc, v.Message, v.KeywordLocation)
}

// Violations is the error returned when a body does not match: every
// violation that is not a known defect, one per line.
type Violations struct {
	// Target says what was checked, such as
	// "POST /{Version}/{Phone-Number-ID}/messages (sendMessage) request body".
	Target string
	// List holds the violations, ordered by instance location.
	List []Violation
}

// Error lists the violations, one per line, after a line naming the target.
func (e *Violations) Error() string {
	var b strings.Builder
	n := "violations"
	if len(e.List) == 1 {
		n = "violation"
	}
	fmt.Fprintf(&b, "oapi: %s does not match Meta's OpenAPI description (%d %s):", e.Target, len(e.List), n)
	for _, v := range e.List {
		b.WriteString("\n\t")
		b.WriteString(v.String())
	}
	return b.String()
}

var printer = message.NewPrinter(language.English)

// defectHit is a violation excused by a known defect.
type defectHit struct {
	ID string
	V  Violation
}

// reduce flattens jsonschema's error tree into its leaf causes, keeping only
// the alternative that was meant where the schema offers several (oneOf,
// anyOf), and sets aside the violations that are known defects.
func (s *Spec) reduce(e *jsonschema.ValidationError, inst any) (rest []Violation, hits []defectHit) {
	rest, hits = s.reduceNode(e, inst)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].InstanceLocation < rest[j].InstanceLocation })
	return rest, hits
}

func (s *Spec) reduceNode(e *jsonschema.ValidationError, inst any) (rest []Violation, hits []defectHit) {
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf:
		if k.Subschemas == nil { // no alternative matched (else: a leaf, several matched)
			return s.reduceAlternatives(e, inst, "oneOf")
		}
	case *kind.AnyOf:
		return s.reduceAlternatives(e, inst, "anyOf")
	}
	if len(e.Causes) == 0 {
		for _, v := range leaves(e) {
			if id := matchDefect(v); id != "" {
				hits = append(hits, defectHit{id, v})
			} else {
				rest = append(rest, v)
			}
		}
		return rest, hits
	}
	for _, c := range e.Causes {
		r, h := s.reduceNode(c, inst)
		rest = append(rest, r...)
		hits = append(hits, h...)
	}
	return rest, hits
}

// reduceAlternatives handles a oneOf or anyOf that no alternative matched.
//
// First the whole keyword is summed up in one violation (the value matches
// none of the alternatives), which some known defects match: a shape the
// description does not model at all. Then, with an OpenAPI discriminator, it
// reports the alternative that the discriminating property names. Otherwise,
// if an alternative fails only because of known defects, the value matches
// (in a correct description); if not, it reports the closest alternative:
// the fewest violations about the value itself (missing or unexpected
// properties, wrong type, a property outside its enum), then the fewest in
// all. When several are equally close, the summary is reported, naming them.
func (s *Spec) reduceAlternatives(e *jsonschema.ValidationError, inst any, keyword string) (rest []Violation, hits []defectHit) {
	schemaPtr := fragment(e.SchemaURL)
	schemaNode, _ := lookup(s.doc, schemaPtr)
	sch, _ := schemaNode.(map[string]any)
	alts, _ := sch[keyword].([]any)
	value := valueAt(inst, e.InstanceLocation)
	instLoc := jsonPtr(e.InstanceLocation)

	summary := Violation{
		InstanceLocation: instLoc,
		KeywordLocation:  "#" + schemaPtr + "/" + keyword,
		Message:          fmt.Sprintf("matches none of the %d %s alternatives: %s", len(alts), keyword, compact(value, 1)),
	}
	if id := matchDefect(summary); id != "" {
		return nil, []defectHit{{id, summary}}
	}

	// The causes of a failed oneOf/anyOf are its alternatives, in order.
	byAlt := map[int]*jsonschema.ValidationError{}
	for _, c := range e.Causes {
		if i, ok := altIndex(c.SchemaURL, schemaPtr+"/"+keyword+"/"); ok {
			byAlt[i] = c
		}
	}

	if d, ok := sch["discriminator"].(map[string]any); ok {
		prop, _ := d["propertyName"].(string)
		obj, _ := value.(map[string]any)
		if val, ok := obj[prop].(string); ok && prop != "" {
			mapping, _ := d["mapping"].(map[string]any)
			target, ok := mapping[val].(string)
			if !ok {
				target = schemasPrefix + val // implicit mapping: the schema name
			}
			for i, a := range alts {
				a, _ := a.(map[string]any)
				if ref, _ := a["$ref"].(string); ref == target && byAlt[i] != nil {
					return s.reduceNode(byAlt[i], inst)
				}
			}
			v := Violation{
				InstanceLocation: instLoc + "/" + escapePtr(prop),
				KeywordLocation:  "#" + schemaPtr + "/discriminator",
				Message:          fmt.Sprintf("%s %q selects none of the alternatives (mapping: %s)", prop, val, strings.Join(sortedKeys(mapping), ", ")),
			}
			if id := matchDefect(v); id != "" {
				return nil, []defectHit{{id, v}}
			}
			return []Violation{v}, nil
		}
	}

	type alt struct {
		index         int
		rest          []Violation
		hits          []defectHit
		shallow, deep int
	}
	var cands []alt
	for i := range alts {
		c := byAlt[i]
		if c == nil {
			continue
		}
		r, h := s.reduceNode(c, inst)
		if len(r) == 0 {
			return nil, h // fails only because of known defects
		}
		a := alt{index: i, rest: r, hits: h}
		for _, v := range r {
			if v.InstanceLocation == instLoc || isSelector(v) && parentPtr(v.InstanceLocation) == instLoc {
				a.shallow++
			} else {
				a.deep++
			}
		}
		cands = append(cands, a)
	}
	if len(cands) == 0 {
		return []Violation{summary}, nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].shallow != cands[j].shallow {
			return cands[i].shallow < cands[j].shallow
		}
		return cands[i].deep < cands[j].deep
	})
	n := 1 // the closest come first; count the ties
	for n < len(cands) && cands[n].shallow == cands[0].shallow && cands[n].deep == cands[0].deep {
		n++
	}
	best := cands[:n]
	if len(best) == 1 {
		return best[0].rest, best[0].hits
	}
	var names []string
	for _, c := range best {
		names = append(names, altName(alts[c.index], c.index))
	}
	summary.Message += fmt.Sprintf("; equally close (%d violations each): %s", len(best[0].rest), strings.Join(names, ", "))
	return []Violation{summary}, nil
}

// isSelector reports a failed enum or const: a sign of the wrong alternative
// when it is about a direct property (such as "name" or "type").
func isSelector(v Violation) bool {
	return strings.HasSuffix(v.KeywordLocation, "/enum") || strings.HasSuffix(v.KeywordLocation, "/const")
}

// parentPtr returns the JSON pointer of the parent of ptr.
func parentPtr(ptr string) string {
	if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
		return ptr[:i]
	}
	return ""
}

// altName names an alternative: by the schema it refers to, else by index
// and what tells it apart (a single-valued enum, or its required
// properties).
func altName(a any, i int) string {
	m, _ := a.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		return strings.TrimPrefix(ref, schemasPrefix)
	}
	props, _ := m["properties"].(map[string]any)
	for _, p := range sortedKeys(props) {
		ps, _ := props[p].(map[string]any)
		if enum, _ := ps["enum"].([]any); len(enum) == 1 {
			return fmt.Sprintf("#%d (%s=%v)", i, p, enum[0])
		}
		if c, ok := ps["const"]; ok {
			return fmt.Sprintf("#%d (%s=%v)", i, p, c)
		}
	}
	if req, _ := m["required"].([]any); len(req) > 0 {
		return fmt.Sprintf("#%d (requires %v)", i, strings.Trim(fmt.Sprint(req), "[]"))
	}
	return "#" + strconv.Itoa(i)
}

// compact renders a value briefly: objects as {key="string", key=5,
// key={…}} with sorted keys, long strings cut.
func compact(v any, depth int) string {
	switch v := v.(type) {
	case map[string]any:
		if depth <= 0 {
			return "{…}"
		}
		var parts []string
		for _, k := range sortedKeys(v) {
			parts = append(parts, k+"="+compact(v[k], depth-1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		return fmt.Sprintf("[%d items]", len(v))
	case string:
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		return strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// altIndex parses the alternative index from a cause's schema URL.
func altIndex(schemaURL, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(fragment(schemaURL), prefix)
	if !ok {
		return 0, false
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

// leaves turns one leaf error into violations: one per missing or
// additional property, so that known defects can be matched one property at
// a time.
func leaves(e *jsonschema.ValidationError) []Violation {
	inst := jsonPtr(e.InstanceLocation)
	kw := "#" + fragment(e.SchemaURL) + jsonPtr(e.ErrorKind.KeywordPath())
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		var vs []Violation
		for _, p := range k.Missing {
			vs = append(vs, Violation{InstanceLocation: inst, KeywordLocation: kw,
				Message: (&kind.Required{Missing: []string{p}}).LocalizedString(printer)})
		}
		return vs
	case *kind.AdditionalProperties:
		var vs []Violation
		for _, p := range k.Properties {
			vs = append(vs, Violation{InstanceLocation: inst, KeywordLocation: kw,
				Message: (&kind.AdditionalProperties{Properties: []string{p}}).LocalizedString(printer)})
		}
		return vs
	case *kind.Enum:
		return []Violation{{InstanceLocation: inst, KeywordLocation: kw,
			Message: fmt.Sprintf("%s (got %s)", k.LocalizedString(printer), compact(k.Got, 0))}}
	case *kind.Const:
		return []Violation{{InstanceLocation: inst, KeywordLocation: kw,
			Message: fmt.Sprintf("%s (got %s)", k.LocalizedString(printer), compact(k.Got, 0))}}
	}
	return []Violation{{InstanceLocation: inst, KeywordLocation: kw, Message: e.ErrorKind.LocalizedString(printer)}}
}

// fragment returns the decoded JSON pointer of a schema URL.
func fragment(u string) string {
	_, f, _ := strings.Cut(u, "#")
	if d, err := url.PathUnescape(f); err == nil {
		return d
	}
	return f
}

func jsonPtr(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(escapePtr(t))
	}
	return b.String()
}

// valueAt returns the value at the given instance location.
func valueAt(v any, toks []string) any {
	for _, t := range toks {
		switch c := v.(type) {
		case map[string]any:
			v = c[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}
