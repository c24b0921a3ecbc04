package whatsapp

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the small JSON reader and writer behind the webhook model.
//
// Why not encoding/json alone: a webhook body must be decoded in one pass
// that (1) keeps every member it does not know, at every level, (2) accepts
// ids and timestamps as strings or numbers, (3) never fails on a member of an
// unexpected type (the member is kept raw instead), and (4) costs no more
// than a plain json.Unmarshal, which is the benchmark's floor. encoding/json
// can do (1) only with a second pass per object. The reader rejects exactly
// what is not JSON (the fuzz target checks it against json.Valid); the writer
// produces what json.Marshal would (HTML-safe escaping, U+FFFD for invalid
// UTF-8), so that a re-encoded notification decodes to an equal value.

// maxJSONDepth bounds nesting, so a hostile body cannot exhaust the stack.
const maxJSONDepth = 512

// jsonReader reads one JSON document from data. The first syntax error is
// kept in err; every method is a no-op once err is set.
type jsonReader struct {
	data  []byte
	pos   int
	depth int
	err   *ParseError
	// kept is set by a decoder that succeeded but also kept the raw value
	// in Extra (an array with an element it could not type).
	kept bool
}

func (r *jsonReader) fail(reason string) {
	if r.err == nil {
		r.err = &ParseError{Offset: r.pos, Reason: reason}
	}
	r.pos = len(r.data)
}

func (r *jsonReader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.pos >= len(r.data) {
		return 0
	}
	return r.data[r.pos]
}

// object calls fn for each member of the object that comes next, with the
// member's key; fn must consume the member's value. It reports false, having
// consumed nothing, when the next value is not an object.
func (r *jsonReader) object(fn func(key []byte)) bool {
	if r.peek() != '{' {
		return false
	}
	if r.depth++; r.depth > maxJSONDepth {
		r.fail("nesting too deep")
		return true
	}
	r.pos++
	if r.peek() == '}' {
		r.pos++
		r.depth--
		return true
	}
	for r.err == nil {
		if r.peek() != '"' {
			r.fail("expected a string key")
			break
		}
		key := r.rawString()
		if needsUnquote(key) {
			key = []byte(unquote(key))
		}
		if r.peek() != ':' {
			r.fail("expected ':' after key")
			break
		}
		r.pos++
		fn(key)
		if r.err != nil {
			break
		}
		switch r.peek() {
		case ',':
			r.pos++
			continue
		case '}':
			r.pos++
			r.depth--
			return true
		}
		r.fail("expected ',' or '}' in object")
	}
	return true
}

// array calls fn for each element of the array that comes next; fn must
// consume the element. It reports false, having consumed nothing, when the
// next value is not an array.
func (r *jsonReader) array(fn func()) bool {
	if r.peek() != '[' {
		return false
	}
	if r.depth++; r.depth > maxJSONDepth {
		r.fail("nesting too deep")
		return true
	}
	r.pos++
	if r.peek() == ']' {
		r.pos++
		r.depth--
		return true
	}
	for r.err == nil {
		fn()
		if r.err != nil {
			break
		}
		switch r.peek() {
		case ',':
			r.pos++
			continue
		case ']':
			r.pos++
			r.depth--
			return true
		}
		r.fail("expected ',' or ']' in array")
	}
	return true
}

// null consumes a null literal and reports whether there was one.
func (r *jsonReader) null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

func (r *jsonReader) literal(lit string) {
	if !bytes.HasPrefix(r.data[r.pos:], []byte(lit)) {
		r.fail("invalid literal")
		return
	}
	r.pos += len(lit)
}

// rawString consumes a string and returns its contents still escaped,
// without the quotes. It validates escapes.
func (r *jsonReader) rawString() []byte {
	start := r.pos + 1
	i := start
	for i < len(r.data) {
		c := r.data[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return r.data[start:i]
		case c == '\\':
			if i+1 >= len(r.data) {
				r.pos = i
				r.fail("unexpected end of input in string")
				return nil
			}
			switch r.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(r.data) || !isHex4(r.data[i+2:i+6]) {
					r.pos = i
					r.fail("invalid \\u escape in string")
					return nil
				}
				i += 6
			default:
				r.pos = i
				r.fail("invalid escape in string")
				return nil
			}
		case c < 0x20:
			r.pos = i
			r.fail("control character in string")
			return nil
		default:
			i++
		}
	}
	r.pos = len(r.data)
	r.fail("unexpected end of input in string")
	return nil
}

// needsUnquote reports whether a raw string holds escapes or non-ASCII
// bytes (which may be invalid UTF-8).
func needsUnquote(s []byte) bool {
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unquote decodes the contents of a validated string as encoding/json does:
// escapes resolved, invalid UTF-8 and lone surrogates replaced by U+FFFD.
func unquote(s []byte) string {
	clean := true
	for _, c := range s {
		if c == '\\' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return string(s)
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r1 := hex4(s[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r1) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 := hex4(s[i+2 : i+6])
						if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r1 = utf8.RuneError
				}
				b = utf8.AppendRune(b, r1)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number consumes a number and returns its literal text.
func (r *jsonReader) number() []byte {
	d, start := r.data, r.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		r.pos = i
		r.fail("invalid number")
		return nil
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			r.fail("invalid number")
			return nil
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			r.pos = i
			r.fail("invalid number")
			return nil
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	r.pos = i
	return d[start:i]
}

// skip consumes the next value, whatever it is, validating it.
func (r *jsonReader) skip() {
	switch c := r.peek(); {
	case c == '{':
		r.object(func([]byte) { r.skip() })
	case c == '[':
		r.array(r.skip)
	case c == '"':
		r.rawString()
	case c == '-' || '0' <= c && c <= '9':
		r.number()
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == 0:
		r.fail("unexpected end of input")
	default:
		r.fail("invalid character")
	}
}

// rawValue consumes the next value and returns it normalized the way
// json.Marshal writes a json.RawMessage (compact, HTML-safe), so that a kept
// value survives a round trip byte for byte.
func (r *jsonReader) rawValue() json.RawMessage {
	r.peek()
	start := r.pos
	r.skip()
	if r.err != nil {
		return nil
	}
	return normalizeRaw(r.data[start:r.pos])
}

func normalizeRaw(v []byte) json.RawMessage {
	var c bytes.Buffer
	c.Grow(len(v))
	if json.Compact(&c, v) != nil {
		return json.RawMessage(bytes.Clone(v))
	}
	var h bytes.Buffer
	h.Grow(c.Len())
	json.HTMLEscape(&h, c.Bytes())
	return json.RawMessage(h.Bytes())
}

// extra records the next value under key in *m, for a member the model does
// not know or whose value has an unexpected type.
func (r *jsonReader) extra(m *map[string]json.RawMessage, key []byte) {
	v := r.rawValue()
	if r.err != nil {
		return
	}
	if *m == nil {
		*m = make(map[string]json.RawMessage, 1)
	}
	(*m)[string(key)] = v
}

// str reads a string into *dst. Numbers are kept as their literal text (ids
// arrive as numbers in some payloads), null leaves *dst empty. Any other
// value reports false, having consumed nothing.
func (r *jsonReader) str(dst *string) bool {
	switch c := r.peek(); {
	case c == '"':
		s := r.rawString()
		if r.err == nil {
			*dst = unquote(s)
		}
		return true
	case c == '-' || '0' <= c && c <= '9':
		n := r.number()
		if r.err == nil {
			*dst = string(n)
		}
		return true
	case c == 'n':
		r.literal("null")
		*dst = ""
		return true
	}
	*dst = ""
	return false
}

// boolean reads true, false or null (false).
func (r *jsonReader) boolean(dst *bool) bool {
	switch r.peek() {
	case 't':
		r.literal("true")
		*dst = true
		return true
	case 'f':
		r.literal("false")
		*dst = false
		return true
	case 'n':
		r.literal("null")
		*dst = false
		return true
	}
	*dst = false
	return false
}

// float reads a number (or null, 0). A number outside float64's range
// reports false, having consumed nothing.
func (r *jsonReader) float(dst *float64) bool {
	switch c := r.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		start := r.pos
		n := r.number()
		if r.err != nil {
			return true
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			r.pos = start
			*dst = 0
			return false
		}
		*dst = f
		return true
	case c == 'n':
		r.literal("null")
		*dst = 0
		return true
	}
	*dst = 0
	return false
}

// integer reads an integer number or a string holding one (or null, 0).
// Anything else reports false, having consumed nothing.
func (r *jsonReader) integer(dst *int64) bool {
	start := r.pos
	var s string
	switch c := r.peek(); {
	case c == '"':
		raw := r.rawString()
		if r.err != nil {
			return true
		}
		s = string(raw)
	case c == '-' || '0' <= c && c <= '9':
		n := r.number()
		if r.err != nil {
			return true
		}
		s = string(n)
	case c == 'n':
		r.literal("null")
		*dst = 0
		return true
	default:
		*dst = 0
		return false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.pos = start
		*dst = 0
		return false
	}
	*dst = n
	return true
}

// intField reads an int (see integer).
func (r *jsonReader) intField(dst *int) bool {
	var n int64
	if !r.integer(&n) || int64(int(n)) != n {
		*dst = 0
		return false
	}
	*dst = int(n)
	return true
}

// unixTime reads Unix seconds, as a string or an integer (or null, the zero
// time). The result is in UTC.
func (r *jsonReader) unixTime(dst *time.Time) bool {
	if r.null() {
		*dst = time.Time{}
		return true
	}
	var n int64
	if !r.integer(&n) || n < minUnixSeconds || n > maxUnixSeconds {
		// (out of range: would not survive a round trip through time.Time)
		*dst = time.Time{}
		return false
	}
	*dst = time.Unix(n, 0).UTC()
	return true
}

// Bounds that keep a Unix time away from the zero time.Time (year 1) and
// within what time.Time formats, so every decoded time re-encodes.
const (
	minUnixSeconds = -62135596800 + 1
	maxUnixSeconds = 253402300799 // 9999-12-31T23:59:59Z
)

// strings reads an array of strings (numbers kept as text).
func (r *jsonReader) strings(dst *[]string) bool {
	if r.null() {
		*dst = nil
		return true
	}
	start := r.pos
	var out []string
	ok := true
	if !r.array(func() {
		var s string
		if !ok || !r.str(&s) {
			ok = false
			r.skip()
			return
		}
		out = append(out, s)
	}) {
		*dst = nil
		return false
	}
	if !ok {
		r.pos = start
		*dst = nil
		return false
	}
	*dst = out
	return true
}

// field ends the decoding of one member: when its decoder reported a value
// of an unexpected type (ok false, nothing consumed), or the member is
// unknown, the value is kept in *extra.
//
// Duplicate keys behave as in encoding/json, the last one wins: a typed
// value drops an earlier kept one, and a value kept raw has zeroed the typed
// member (every decoder zeroes its destination when it reports false).
func (r *jsonReader) field(extra *map[string]json.RawMessage, key []byte, ok bool) {
	switch {
	case r.err != nil:
	case !ok:
		r.extra(extra, key)
	case *extra != nil && !r.kept:
		delete(*extra, string(key))
		if len(*extra) == 0 {
			*extra = nil
		}
	}
	r.kept = false
}

// decoder is implemented by the pointer types of the webhook model: decode
// reads the object that comes next (the caller checked it is one).
type decoder[T any] interface {
	*T
	decode(r *jsonReader)
}

// decodePtr reads an object into a new *T (null leaves nil). Any other
// value reports false, having consumed nothing.
func decodePtr[T any, P decoder[T]](r *jsonReader, dst **T) bool {
	switch r.peek() {
	case 'n':
		r.literal("null")
		*dst = nil
		return true
	case '{':
		v := new(T)
		P(v).decode(r)
		*dst = v
		return true
	}
	*dst = nil
	return false
}

// decodeValue reads an object into *dst (null leaves it zero).
func decodeValue[T any, P decoder[T]](r *jsonReader, dst *T) bool {
	switch r.peek() {
	case 'n':
		r.literal("null")
		var zero T
		*dst = zero
		return true
	case '{':
		var zero T
		*dst = zero
		P(dst).decode(r)
		return true
	}
	var zero T
	*dst = zero
	return false
}

// decodeList reads an array of objects. An element that is not an object
// cannot be typed: the whole array is then also kept raw in *extra under
// key, so nothing is lost, while the object elements still decode.
func decodeList[T any, P decoder[T]](r *jsonReader, dst *[]T, extra *map[string]json.RawMessage, key []byte) bool {
	if r.null() {
		*dst = nil
		return true
	}
	if r.peek() != '[' {
		*dst = nil
		return false
	}
	start := r.pos
	odd := false
	var out []T
	r.array(func() {
		if r.peek() != '{' {
			odd = true
			r.skip()
			return
		}
		var zero T
		out = append(out, zero)
		P(&out[len(out)-1]).decode(r)
	})
	*dst = out
	if odd && r.err == nil {
		if *extra == nil {
			*extra = make(map[string]json.RawMessage, 1)
		}
		(*extra)[string(key)] = normalizeRaw(r.data[start:r.pos])
		r.kept = true
	}
	return true
}

// decodePtrList is decodeList for slices of pointers.
func decodePtrList[T any, P decoder[T]](r *jsonReader, dst *[]*T, extra *map[string]json.RawMessage, key []byte) bool {
	var vals []T
	if !decodeList[T, P](r, &vals, extra, key) {
		*dst = nil
		return false
	}
	if vals == nil {
		*dst = nil
		return true
	}
	out := make([]*T, len(vals))
	for i := range vals {
		out[i] = &vals[i]
	}
	*dst = out
	return true
}

// jsonWriter builds JSON objects member by member. Each object is opened
// with the unknown members kept for it (Extra): a kept member wins over the
// typed member of the same name, which happens only when the typed member
// could not hold the value received (a kept member is what was on the wire).
type jsonWriter struct {
	b      []byte
	first  bool
	extras []map[string]json.RawMessage
}

func (w *jsonWriter) open(extra map[string]json.RawMessage) {
	w.b = append(w.b, '{')
	w.first = true
	w.extras = append(w.extras, extra)
}

// close writes the kept members, in key order, and ends the object.
func (w *jsonWriter) close() {
	extra := w.extras[len(w.extras)-1]
	w.extras = w.extras[:len(w.extras)-1]
	if len(extra) > 0 {
		keys := make([]string, 0, len(extra))
		for k, v := range extra {
			if len(v) > 0 && json.Valid(v) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			w.writeKey(k)
			w.b = append(w.b, extra[k]...)
		}
	}
	w.b = append(w.b, '}')
	w.first = false
}

// key starts the member k and reports whether to write its value: false
// when the object keeps a raw value for k.
func (w *jsonWriter) key(k string) bool {
	if extra := w.extras[len(w.extras)-1]; extra != nil {
		if _, kept := extra[k]; kept {
			return false
		}
	}
	w.writeKey(k)
	return true
}

func (w *jsonWriter) writeKey(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

// str writes a string member, omitted when empty.
func (w *jsonWriter) str(k, v string) {
	if v != "" && w.key(k) {
		w.b = appendJSONString(w.b, v)
	}
}

// strAlways writes a string member even when empty.
func (w *jsonWriter) strAlways(k, v string) {
	if w.key(k) {
		w.b = appendJSONString(w.b, v)
	}
}

// num writes v as a bare JSON number when it is an integer literal (ids and
// limits the platform sends as numbers), else as a string; omitted when
// empty.
func (w *jsonWriter) num(k, v string) {
	if v == "" || !w.key(k) {
		return
	}
	if isIntLiteral(v) {
		w.b = append(w.b, v...)
	} else {
		w.b = appendJSONString(w.b, v)
	}
}

func isIntLiteral(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	i := 0
	if s[0] == '-' {
		i = 1
		if len(s) == 1 {
			return false
		}
	}
	if s[i] == '0' && len(s) > i+1 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (w *jsonWriter) boolean(k string, v bool) {
	if v && w.key(k) {
		w.b = append(w.b, "true"...)
	}
}

func (w *jsonWriter) integer(k string, v int) {
	if v != 0 && w.key(k) {
		w.b = strconv.AppendInt(w.b, int64(v), 10)
	}
}

func (w *jsonWriter) float(k string, v float64) {
	if w.key(k) {
		w.b = appendJSONFloat(w.b, v)
	}
}

// appendJSONFloat formats f as encoding/json does.
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// unixString writes a time as a Unix-seconds string (messages, statuses);
// omitted when zero.
func (w *jsonWriter) unixString(k string, t time.Time) {
	if !t.IsZero() && w.key(k) {
		w.b = append(w.b, '"')
		w.b = strconv.AppendInt(w.b, t.Unix(), 10)
		w.b = append(w.b, '"')
	}
}

// unixInt writes a time as an integer of Unix seconds (entries, management
// fields); omitted when zero.
func (w *jsonWriter) unixInt(k string, t time.Time) {
	if !t.IsZero() && w.key(k) {
		w.b = strconv.AppendInt(w.b, t.Unix(), 10)
	}
}

func (w *jsonWriter) raw(k string, v json.RawMessage) {
	if len(v) > 0 && json.Valid(v) && w.key(k) {
		w.b = append(w.b, v...)
	}
}

func (w *jsonWriter) strs(k string, v []string) {
	if len(v) == 0 || !w.key(k) {
		return
	}
	w.b = append(w.b, '[')
	for i, s := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// list writes an array member of n elements, each written by elem.
func (w *jsonWriter) list(k string, n int, elem func(i int)) {
	if n == 0 || !w.key(k) {
		return
	}
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		elem(i)
	}
	w.b = append(w.b, ']')
}

// obj writes an object member whose body is written by body.
func (w *jsonWriter) obj(k string, body func()) {
	if w.key(k) {
		body()
	}
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way json.Marshal writes
// it: HTML-safe, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
