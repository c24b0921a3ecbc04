package whatsapp

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the variable engine: it finds the placeholders of a
// template text ({{1}}, {{first_name}}), renders a text with values, and
// builds or checks the send-side parameters of a template definition.

// Variable is one placeholder of a template text: positional ({{1}}) or
// named ({{first_name}}).
type Variable struct {
	// Name is the text between the braces: "1" or "first_name".
	Name string
	// Index is the number of a positional variable (1 for {{1}}); 0 for a
	// named one.
	Index int
	// Start and End are the byte offsets of the placeholder in its text:
	// text[Start:End] is "{{" + Name + "}}".
	Start, End int
}

// Named reports whether the variable is named ({{first_name}}) rather than
// positional ({{1}}).
func (v Variable) Named() bool { return v.Index == 0 }

// maxPositionalDigits bounds the number in {{N}}: a template has far fewer
// than a million variables, and the bound keeps the parse overflow-free.
const maxPositionalDigits = 6

// ParseVariables returns the placeholders of a template text in order,
// with their byte positions. Positional ({{1}}) and named ({{first_name}})
// placeholders are both returned; mixing them is for the caller (or
// MessageTemplate.Validate) to refuse.
//
// A malformed placeholder is a *ValidationError with Rule
// "template.variable.malformed" (or "template.variable.name" for a name
// with capitals or other characters), naming the byte where it starts:
// an unclosed "{{1}", spaces as in "{{ 1 }}", an empty "{{}}", "{{0}}" or
// "{{01}}". Single braces and a lone "}}" are plain text.
func ParseVariables(text string) ([]Variable, error) {
	n := strings.Count(text, "{{")
	if n == 0 {
		return nil, nil
	}
	return appendVariables(make([]Variable, 0, n), text, "")
}

// AppendVariables appends the placeholders of text to dst and returns the
// extended slice, like ParseVariables. With a dst of enough capacity it
// does not allocate. On error, dst is returned with the placeholders found
// before the malformed one.
func AppendVariables(dst []Variable, text string) ([]Variable, error) {
	return appendVariables(dst, text, "")
}

func appendVariables(dst []Variable, text, field string) ([]Variable, error) {
	i := 0
	for {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			return dst, nil
		}
		start := i + j
		body := text[start+2:]
		k := strings.Index(body, "}}")
		if k < 0 || strings.Contains(body[:k], "{{") {
			return dst, varError(field, text, start, `"{{" is not closed by "}}"`, "template.variable.malformed")
		}
		name := body[:k]
		idx, reason, rule := classifyVariable(name)
		if reason != "" {
			return dst, varError(field, text, start, reason, rule)
		}
		end := start + 2 + k + 2
		dst = append(dst, Variable{Name: name, Index: idx, Start: start, End: end})
		i = end
	}
}

// classifyVariable checks the text between braces. It returns the
// positional index (0 for a name), or a reason and rule when malformed.
func classifyVariable(s string) (idx int, reason, rule string) {
	switch {
	case s == "":
		return 0, "empty placeholder {{}}", "template.variable.malformed"
	case s[0] >= '0' && s[0] <= '9':
		if len(s) > maxPositionalDigits {
			return 0, "positional variable number too large", "template.variable.malformed"
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, "placeholder must be a number such as {{1}} or a name such as {{first_name}}", "template.variable.malformed"
			}
			idx = idx*10 + int(c-'0')
		}
		if s[0] == '0' {
			return 0, "positional variables are numbered from 1, without leading zeros", "template.variable.malformed"
		}
		return idx, "", ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c == '_' || c >= '0' && c <= '9' {
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			return 0, "no spaces inside a placeholder: write {{" + strings.TrimSpace(s) + "}}", "template.variable.malformed"
		}
		if c >= 'A' && c <= 'Z' {
			return 0, "named variables are lowercase letters, digits and underscores", "template.variable.name"
		}
		return 0, "placeholder must be a number such as {{1}} or a name such as {{first_name}}", "template.variable.malformed"
	}
	return 0, "", ""
}

// varError reports a malformed placeholder at byte pos of text.
func varError(field, text string, pos int, reason, rule string) *ValidationError {
	end := pos + 24
	if end > len(text) {
		end = len(text)
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	return &ValidationError{Field: field, Reason: reason + " at byte " + strconv.Itoa(pos),
		Value: text[pos:end], Rule: rule, Err: ErrTemplateContent}
}

// RenderText returns text with its positional variables replaced: {{1}}
// by values[0], {{2}} by values[1], and so on, as WhatsApp would show the
// message (for previews, logs and CRM history).
//
// It returns a *ValidationError matching ErrTemplateParams when the text
// has a named variable, when a variable has no value, or when a value is
// not used; and one matching ErrTemplateContent when a placeholder is
// malformed.
func RenderText(text string, values ...string) (string, error) {
	size := len(text)
	for _, v := range values {
		size += len(v)
	}
	var used [64]bool // which values were used; values past 64 are not tracked
	nused := 0
	out, err := renderVariables(text, size, func(name string, idx, _ int) (string, error) {
		switch {
		case idx == 0:
			return "", paramsError("", "text has the named variable {{"+name+"}}: use RenderNamedText", "template.params.format")
		case idx > len(values):
			return "", paramsError("", "no value for {{"+name+"}}: "+strconv.Itoa(len(values))+" values given", "template.params.count")
		}
		if idx <= len(used) && !used[idx-1] {
			used[idx-1] = true
			nused++
		}
		return values[idx-1], nil
	})
	if err != nil {
		return "", err
	}
	if want := min(len(values), len(used)); nused < want {
		for n := range want {
			if !used[n] {
				return "", paramsError("", "value "+strconv.Itoa(n+1)+" is not used: the text has no {{"+strconv.Itoa(n+1)+"}}", "template.params.count")
			}
		}
	}
	return out, nil
}

// RenderNamedText returns text with its named variables replaced by
// values: {{first_name}} by values["first_name"].
//
// It returns a *ValidationError matching ErrTemplateParams when the text
// has a positional variable, when a variable has no value, or when a value
// is not used; and one matching ErrTemplateContent when a placeholder is
// malformed.
func RenderNamedText(text string, values map[string]string) (string, error) {
	size := len(text)
	for _, v := range values {
		size += len(v)
	}
	distinct := 0
	out, err := renderVariables(text, size, func(name string, idx, start int) (string, error) {
		if idx != 0 {
			return "", paramsError("", "text has the positional variable {{"+name+"}}: use RenderText", "template.params.format")
		}
		v, ok := values[name]
		if !ok {
			return "", paramsError("", "no value for {{"+name+"}}", "template.params.missing")
		}
		if !hasPlaceholder(text[:start], name) {
			distinct++
		}
		return v, nil
	})
	if err != nil {
		return "", err
	}
	if distinct < len(values) {
		for name := range values {
			if !hasPlaceholder(text, name) {
				return "", paramsError("", "value "+strconv.Quote(name)+" is not used: the text has no {{"+name+"}}", "template.params.count")
			}
		}
	}
	return out, nil
}

// renderVariables is the scan RenderText and RenderNamedText share: it
// replaces each placeholder of text by what value returns for it (idx is
// the position of a positional variable, 0 for a named one; start is the
// placeholder's byte offset), growing the
// result to size once. A malformed placeholder is an error matching
// ErrTemplateContent; value's errors are returned as they are. Text
// without placeholders is returned without a copy.
func renderVariables(text string, size int, value func(name string, idx, start int) (string, error)) (string, error) {
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(text[i:], "{{")
		if j < 0 {
			break
		}
		start := i + j
		body := text[start+2:]
		k := strings.Index(body, "}}")
		if k < 0 || strings.Contains(body[:k], "{{") {
			return "", varError("", text, start, `"{{" is not closed by "}}"`, "template.variable.malformed")
		}
		name := body[:k]
		idx, reason, rule := classifyVariable(name)
		if reason != "" {
			return "", varError("", text, start, reason, rule)
		}
		v, err := value(name, idx, start)
		if err != nil {
			return "", err
		}
		if b.Cap() == 0 {
			b.Grow(size)
		}
		b.WriteString(text[i:start])
		b.WriteString(v)
		i = start + 2 + k + 2
	}
	if i == 0 {
		return text, nil
	}
	b.WriteString(text[i:])
	return b.String(), nil
}

// hasPlaceholder reports whether s holds "{{" + name + "}}", without
// building that string.
func hasPlaceholder(s, name string) bool {
	if name == "" {
		return false
	}
	for {
		p := strings.Index(s, name)
		if p < 0 {
			return false
		}
		if p >= 2 && s[p-2:p] == "{{" && strings.HasPrefix(s[p+len(name):], "}}") {
			return true
		}
		s = s[p+1:]
	}
}

// paramsError is a mismatch between a template's variables and the values
// given for them.
func paramsError(field, reason, rule string) *ValidationError {
	return &ValidationError{Field: field, Reason: reason, Rule: rule, Err: ErrTemplateParams}
}

// TemplateValues are the values that fill a template definition's
// variables; MessageTemplate.Build turns them into a Template to send.
// Positional templates take HeaderText and Body, named templates take
// Named; the other fields serve both.
type TemplateValues struct {
	// HeaderText fills the variable of a positional TEXT header ({{1}}).
	HeaderText string
	// Body fills the body's positional variables: Body[0] is {{1}}.
	Body []string
	// Named fills the named variables of the header and the body:
	// Named["first_name"] is {{first_name}}.
	Named map[string]string
	// HeaderMedia fills a media, location or product header: an
	// ImageParameter for an IMAGE header, VideoParameter for VIDEO or GIF,
	// DocumentParameter, LocationParameter, or a product parameter.
	HeaderMedia *TemplateParameter
	// URLSuffix fills the variable at the end of dynamic URL buttons, by
	// the button's index (0-based, in the template's buttons).
	URLSuffix map[int]string
	// CouponCode fills the template's COPY_CODE button, when set.
	CouponCode string
	// Code is the one-time password of an authentication template: it
	// fills the body and the OTP button.
	Code string
	// OfferExpiresAt fills a limited-time offer that shows its expiry.
	OfferExpiresAt time.Time
	// Buttons are further button parameters (quick-reply payloads, flow
	// tokens, catalog thumbnails), checked against the template's buttons.
	Buttons []TemplateComponent
	// Cards fill the cards of a carousel template, in order.
	Cards []TemplateValues
}

// templateShape is what a template definition expects of a send: which
// components take parameters, how many and of what kind. It is computed
// once from the definition (compileShape) and used to build and to check
// sends.
type templateShape struct {
	named    bool
	auth     bool
	header   HeaderFormat // "" when there is no header
	headerV  []Variable   // variables of a TEXT header
	bodyV    []Variable   // distinct body variables: in order of first use (named) or by index (positional)
	body     bool         // the template has a body component
	buttons  []buttonShape
	offer    bool // a limited-time offer...
	offerExp bool // ...that shows its expiry
	carousel bool
	cards    []*templateShape
	// looseHeader, looseButtons: the definition is known only in part (from
	// an edit webhook), so sends are not checked against its header or its
	// buttons.
	looseHeader, looseButtons bool
}

type buttonShape struct {
	typ    ButtonType
	urlVar bool // a URL button with a variable
}

// compileShape reads what t expects of a send. It fails only when a text
// of t has a malformed placeholder.
func compileShape(t *MessageTemplate) (*templateShape, error) {
	s := &templateShape{named: t.named(), auth: t.Category.is(TemplateCategoryAuthentication)}
	if err := s.compile("components", t.Components); err != nil {
		return nil, err
	}
	if t.ParameterFormat == "" && s.hasNamed() {
		// A list call may leave parameter_format out: the text tells.
		s.setNamed()
	}
	return s, nil
}

// hasNamed reports whether a header or body of the shape has a named
// variable.
func (s *templateShape) hasNamed() bool {
	for _, v := range s.headerV {
		if v.Named() {
			return true
		}
	}
	for _, v := range s.bodyV {
		if v.Named() {
			return true
		}
	}
	for _, c := range s.cards {
		if c.hasNamed() {
			return true
		}
	}
	return false
}

func (s *templateShape) setNamed() {
	s.named = true
	for _, c := range s.cards {
		c.setNamed()
	}
}

func (s *templateShape) compile(f string, cs []MessageTemplateComponent) error {
	// Field paths are built only for an error: this runs on every Build.
	at := func(err error, path ...any) error {
		if ve, ok := err.(*ValidationError); ok {
			field := f
			for _, p := range path {
				switch p := p.(type) {
				case int:
					field = index(field, p)
				case string:
					field = join(field, p)
				}
			}
			ve.Field = field
		}
		return err
	}
	for i := range cs {
		c := &cs[i]
		switch {
		case c.Type.is(HeaderComponent):
			s.header = c.Format
			if s.header == "" {
				s.header = HeaderFormatText
			}
			if c.Format.is(HeaderFormatText) || c.Format == "" {
				vars, err := parseInto(c.Text)
				if err != nil {
					return at(err, i, "text")
				}
				s.headerV = vars
			}
		case c.Type.is(BodyComponent):
			s.body = true
			vars, err := parseInto(c.Text)
			if err != nil {
				return at(err, i, "text")
			}
			s.bodyV = distinctVariables(vars)
		case c.Type.is(ButtonsComponent):
			s.buttons = make([]buttonShape, 0, len(c.Buttons))
			for j := range c.Buttons {
				b := &c.Buttons[j]
				bs := buttonShape{typ: b.Type}
				if b.Type.is(ButtonTypeURL) {
					var buf [2]Variable
					vars, err := appendVariables(buf[:0], b.URL, "")
					if err != nil {
						return at(err, i, "buttons", j, "url")
					}
					bs.urlVar = len(vars) > 0
				}
				s.buttons = append(s.buttons, bs)
			}
		case c.Type.is(CarouselComponent):
			s.carousel = true
			for k := range c.Cards {
				card := &templateShape{named: s.named}
				if err := card.compile("", c.Cards[k].Components); err != nil {
					if ve, ok := err.(*ValidationError); ok {
						ve.Field = join(index(join(index(f, i), "cards"), k), "components") + ve.Field
					}
					return err
				}
				s.cards = append(s.cards, card)
			}
		case c.Type.is(LimitedTimeOfferComponent):
			s.offer = true
			s.offerExp = c.LimitedTimeOffer != nil && c.LimitedTimeOffer.HasExpiration
		}
	}
	return nil
}

// parseInto parses text into a slice of exactly the needed capacity, or
// returns nil without allocating when text has no placeholder.
func parseInto(text string) ([]Variable, error) {
	n := strings.Count(text, "{{")
	if n == 0 {
		return nil, nil
	}
	return appendVariables(make([]Variable, 0, n), text, "")
}

// distinctVariables returns each variable once: named ones in order of
// first use, positional ones by index (a gap stays a gap: the template is
// then invalid, and its sends are checked against the highest index).
func distinctVariables(vars []Variable) []Variable {
	named := true
	for _, v := range vars {
		named = named && v.Named()
	}
	if named {
		// Keep the first use of each name, in place: vars is ours.
		out := vars[:0]
		for _, v := range vars {
			dup := false
			for _, w := range out {
				if w.Name == v.Name {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, v)
			}
		}
		return out
	}
	out := vars[:0:0]
	maxIndex := 0
	for i, v := range vars {
		if v.Index > 0 {
			maxIndex = max(maxIndex, v.Index)
			continue
		}
		dup := false
		for _, w := range vars[:i] {
			if w.Name == v.Name {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	for n := 1; n <= maxIndex; n++ {
		out = append(out, Variable{Name: strconv.Itoa(n), Index: n})
	}
	return out
}

// sendSubType is the send-side sub_type that fills a button type, or "" for
// a type this package does not map.
func sendSubType(b ButtonType) string {
	switch {
	case b.is(ButtonTypeQuickReply):
		return ButtonQuickReply
	case b.is(ButtonTypeURL), b.is(ButtonTypeOTP):
		return ButtonURL
	case b.is(ButtonTypeCopyCode):
		return ButtonCopyCode
	case b.is(ButtonTypeFlow):
		return ButtonFlow
	case b.is(ButtonTypeCatalog):
		return ButtonCatalog
	case b.is(ButtonTypeMPM):
		return ButtonMPM
	case b.is(ButtonTypeVoiceCall):
		return ButtonVoiceCall
	}
	return ""
}

// mediaParamType is the send-side parameter type a header format takes,
// or "" when any media type is accepted.
func mediaParamType(h HeaderFormat) string {
	switch {
	case h.is(HeaderFormatImage):
		return "image"
	case h.is(HeaderFormatVideo):
		return "video"
	case h.is(HeaderFormatDocument):
		return "document"
	case h.is(HeaderFormatLocation):
		return "location"
	case h.is(HeaderFormatProduct):
		return "product"
	}
	return ""
}

// Build returns the Template that sends this definition with values:
// name, language and the components that fill its header, body, buttons,
// carousel cards and limited-time offer.
//
// It checks the values against the definition before anything is sent:
// a missing value, a value the template has no variable for, positional
// values for a named template (or the reverse), or a media header of the
// wrong type is a *ValidationError matching ErrTemplateParams, the error
// Meta would answer with 132000 or 132012. A value that breaks a send
// limit (a body value with a newline, say) is a *ValidationError too. A
// malformed placeholder in the definition matches ErrTemplateContent.
func (t *MessageTemplate) Build(values TemplateValues) (Template, error) {
	s, err := compileShape(t)
	if err != nil {
		return Template{}, err
	}
	out := Template{Name: t.Name, Language: NormalizeLanguage(t.Language)}
	if out.Components, err = s.build("template.components", &values, nil); err != nil {
		return Template{}, err
	}
	if !plainTextParams(out.Components) || checkTemplateName("template.name", out.Name) != nil {
		// Something the fast path cannot vouch for: run every send check
		// (Send runs them again anyway).
		if err := out.validate("template"); err != nil {
			return Template{}, err
		}
	}
	return out, nil
}

// plainTextParams reports whether every parameter of cs is a text
// parameter that passes the send checks (1 to 32,768 valid UTF-8
// characters; in a body, no new line, tab or run of 4 spaces), and no
// component is a carousel. It errs on the side of false; the full check
// then decides.
func plainTextParams(cs []TemplateComponent) bool {
	for i := range cs {
		c := &cs[i]
		if c.Type == ComponentCarousel || c.Type == ComponentLimitedTimeOffer || c.Index < 0 || c.Index > MaxTemplateButtonIndex {
			return false
		}
		for j := range c.Parameters {
			p := &c.Parameters[j]
			if p.Type != "text" || p.Text == "" || len(p.Text) > MaxTemplateParamLength || !utf8.ValidString(p.Text) ||
				strings.Contains(p.Text, "     ") || strings.TrimSpace(p.Text) == "" ||
				c.Type == ComponentBody && strings.ContainsAny(p.Text, "\n\t") {
				return false
			}
			if p.Name != "" && checkParamName("", p.Name) != nil {
				return false
			}
		}
	}
	return true
}

func (s *templateShape) build(f string, v *TemplateValues, out []TemplateComponent) ([]TemplateComponent, error) {
	useNamed := func(name string) (string, error) {
		val, ok := v.Named[name]
		if !ok {
			return "", paramsError(f, "no value for {{"+name+"}} in Named", "template.params.missing")
		}
		return val, nil
	}
	if !s.named && len(v.Named) > 0 {
		return nil, paramsError(f, "the template's variables are positional: use HeaderText and Body, not Named", "template.params.format")
	}
	if s.named && (len(v.Body) > 0 || v.HeaderText != "") {
		return nil, paramsError(f, "the template's variables are named: use Named, not HeaderText and Body", "template.params.format")
	}

	// Header.
	switch {
	case s.header == "" || s.header.is(HeaderFormatText) && len(s.headerV) == 0:
		if v.HeaderText != "" || v.HeaderMedia != nil {
			return nil, paramsError(f, "the template's header takes no parameter", "template.params.count")
		}
	case s.header.is(HeaderFormatText):
		if v.HeaderMedia != nil {
			return nil, paramsError(f, "the template's header is TEXT: HeaderMedia is not used", "template.params.format")
		}
		hv := s.headerV[0]
		p := TextParameter(v.HeaderText)
		if s.named {
			val, err := useNamed(hv.Name)
			if err != nil {
				return nil, err
			}
			p = NamedTextParameter(hv.Name, val)
		} else if v.HeaderText == "" {
			return nil, paramsError(f, "no value for the header's {{1}}: set HeaderText", "template.params.missing")
		}
		out = append(out, HeaderParameters(p))
	default:
		if v.HeaderMedia == nil {
			return nil, paramsError(f, "the template's header is "+string(s.header)+": set HeaderMedia", "template.params.missing")
		}
		if want := mediaParamType(s.header); want != "" && v.HeaderMedia.Type != want {
			return nil, paramsError(f, "the template's header is "+string(s.header)+", HeaderMedia is "+strconv.Quote(v.HeaderMedia.Type), "template.params.format")
		}
		out = append(out, HeaderParameters(*v.HeaderMedia))
	}

	// Body.
	body := v.Body
	if s.auth && len(body) == 0 && v.Code != "" && (len(s.bodyV) == 0 || len(s.bodyV) == 1 && !s.named) {
		body = []string{v.Code}
	}
	switch {
	case s.named:
		if len(s.bodyV) > 0 {
			ps := make([]TemplateParameter, len(s.bodyV))
			for i, bv := range s.bodyV {
				val, err := useNamed(bv.Name)
				if err != nil {
					return nil, err
				}
				ps[i] = NamedTextParameter(bv.Name, val)
			}
			out = append(out, BodyParameters(ps...))
		}
	case s.auth && len(s.bodyV) == 0 && len(body) == 1:
		out = append(out, BodyParameters(TextParameter(body[0])))
	case len(body) != len(s.bodyV):
		return nil, paramsError(f, "the body has "+strconv.Itoa(len(s.bodyV))+" variables, "+strconv.Itoa(len(body))+" values given", "template.params.count")
	case len(body) > 0:
		ps := make([]TemplateParameter, len(body))
		for i, val := range body {
			ps[i] = TextParameter(val)
		}
		out = append(out, BodyParameters(ps...))
	}
	if s.named && len(v.Named) > 0 {
		// A name may fill both the header and the body, so count names, not
		// uses.
		for name := range v.Named {
			if !s.usesName(name) {
				return nil, paramsError(f, "Named has "+strconv.Quote(name)+" but the template has no {{"+name+"}}", "template.params.count")
			}
		}
	}

	// Limited-time offer.
	switch {
	case s.offerExp && v.OfferExpiresAt.IsZero():
		return nil, paramsError(f, "the limited-time offer shows its expiry: set OfferExpiresAt", "template.params.missing")
	case s.offerExp:
		out = append(out, TemplateComponent{Type: ComponentLimitedTimeOffer, Parameters: []TemplateParameter{{
			Type: "limited_time_offer", Offer: &OfferExpiration{ExpirationTimeMS: v.OfferExpiresAt.UnixMilli()}}}})
	case !v.OfferExpiresAt.IsZero():
		return nil, paramsError(f, "the template has no limited-time offer with an expiry: OfferExpiresAt is not used", "template.params.count")
	}

	// Buttons.
	filled := make([]bool, len(s.buttons))
	copyCode := false
	for j, b := range s.buttons {
		switch {
		case b.urlVar:
			suffix, ok := v.URLSuffix[j]
			if !ok {
				return nil, paramsError(f, "button "+strconv.Itoa(j)+" is a URL with a variable: set URLSuffix["+strconv.Itoa(j)+"]", "template.params.missing")
			}
			out = append(out, URLButton(j, suffix))
			filled[j] = true
		case b.typ.is(ButtonTypeOTP):
			if v.Code == "" {
				return nil, paramsError(f, "button "+strconv.Itoa(j)+" is a one-time password button: set Code", "template.params.missing")
			}
			out = append(out, TemplateComponent{Type: ComponentButton, SubType: ButtonURL, Index: j, Parameters: []TemplateParameter{TextParameter(v.Code)}})
			filled[j] = true
		case b.typ.is(ButtonTypeCopyCode) && v.CouponCode != "":
			out = append(out, CopyCodeButton(j, v.CouponCode))
			filled[j] = true
			copyCode = true
		}
	}
	for j := range v.URLSuffix {
		if j < 0 || j >= len(s.buttons) || !s.buttons[j].urlVar {
			return nil, paramsError(f, "URLSuffix["+strconv.Itoa(j)+"]: the template has no URL button with a variable at that index", "template.params.count")
		}
	}
	if v.CouponCode != "" && !copyCode {
		return nil, paramsError(f, "the template has no COPY_CODE button: CouponCode is not used", "template.params.count")
	}
	if v.Code != "" && !s.auth {
		return nil, paramsError(f, "Code is for authentication templates", "template.params.count")
	}
	for i, bc := range v.Buttons {
		bf := index(f+".Buttons", i)
		if bc.Type != ComponentButton || bc.Index < 0 || bc.Index >= len(s.buttons) {
			return nil, paramsError(bf, "the template has no button at index "+strconv.Itoa(bc.Index), "template.params.count")
		}
		if filled[bc.Index] {
			return nil, paramsError(bf, "button "+strconv.Itoa(bc.Index)+" is already filled", "template.params.count")
		}
		if want := sendSubType(s.buttons[bc.Index].typ); want != "" && bc.SubType != want {
			return nil, paramsError(bf, "button "+strconv.Itoa(bc.Index)+" is "+string(s.buttons[bc.Index].typ)+": its sub_type is "+want, "template.params.format")
		}
		filled[bc.Index] = true
		out = append(out, bc)
	}

	// Carousel.
	switch {
	case s.carousel:
		if len(v.Cards) != len(s.cards) {
			return nil, paramsError(f, "the carousel has "+strconv.Itoa(len(s.cards))+" cards, "+strconv.Itoa(len(v.Cards))+" given", "template.params.count")
		}
		cards := make([]TemplateCard, len(s.cards))
		for k, cs := range s.cards {
			comps, err := cs.build(index(f+".Cards", k), &v.Cards[k], nil)
			if err != nil {
				return nil, err
			}
			cards[k] = TemplateCard{CardIndex: k, Components: comps}
		}
		out = append(out, TemplateComponent{Type: ComponentCarousel, Cards: cards})
	case len(v.Cards) > 0:
		return nil, paramsError(f, "the template has no carousel: Cards is not used", "template.params.count")
	}
	return out, nil
}

// usesName reports whether the header or body has the named variable.
func (s *templateShape) usesName(name string) bool {
	for _, v := range s.headerV {
		if v.Name == name {
			return true
		}
	}
	for _, v := range s.bodyV {
		if v.Name == name {
			return true
		}
	}
	return false
}

// Check reports whether m, a template send, fills this definition: the
// same name and language, a parameter for each variable of the header and
// body (by name for a named template, in number for a positional one),
// a media parameter of the header's type, a parameter for each URL button
// with a variable and each OTP button, and no parameter the definition has
// no place for. It returns a *ValidationError matching ErrTemplateParams,
// the error Meta would answer with 132000 or 132012, or nil.
//
// Optional parameters (quick-reply payloads, flow tokens, a copy-code
// value, a limited-time offer's expiry) are not required.
func (t *MessageTemplate) Check(m Template) error {
	s, err := compileShape(t)
	if err != nil {
		return err
	}
	return s.check(t, m)
}

func (s *templateShape) check(t *MessageTemplate, m Template) error {
	if m.Name != t.Name {
		return paramsError("template.name", "the definition is "+strconv.Quote(t.Name)+", the send names "+strconv.Quote(m.Name), "template.params.template")
	}
	if t.Language != "" && NormalizeLanguage(m.Language) != NormalizeLanguage(t.Language) {
		return paramsError("template.language.code", "the definition is in "+strconv.Quote(t.Language)+", the send in "+strconv.Quote(m.Language), "template.params.template")
	}
	return s.checkComponents("template.components", m.Components)
}

func (s *templateShape) checkComponents(f string, comps []TemplateComponent) error {
	var header, body bool
	var buttons [MaxTemplateButtonIndex + 1]bool
	for i := range comps {
		c := &comps[i]
		cf := index(f, i)
		pf := join(cf, "parameters")
		switch c.Type {
		case ComponentHeader:
			header = true
			if s.looseHeader {
				continue
			}
			if err := s.checkHeader(pf, c.Parameters); err != nil {
				return err
			}
		case ComponentBody:
			body = true
			if err := s.checkBody(pf, c.Parameters); err != nil {
				return err
			}
		case ComponentButton:
			if s.looseButtons {
				continue
			}
			if c.Index < 0 || c.Index >= len(s.buttons) || c.Index >= len(buttons) {
				return paramsError(join(cf, "index"), "the template has no button at index "+strconv.Itoa(c.Index), "template.params.count")
			}
			buttons[c.Index] = true
			b := s.buttons[c.Index]
			want := sendSubType(b.typ)
			if want != "" && c.SubType != want && !(b.typ.is(ButtonTypeOTP) && c.SubType == ButtonOTP) {
				return paramsError(join(cf, "sub_type"), "button "+strconv.Itoa(c.Index)+" is "+string(b.typ)+": its sub_type is "+want, "template.params.format")
			}
			switch {
			case b.urlVar || b.typ.is(ButtonTypeOTP):
				if len(c.Parameters) != 1 || c.Parameters[0].Type != "text" {
					return paramsError(pf, "button "+strconv.Itoa(c.Index)+" takes one text parameter", "template.params.count")
				}
			case b.typ.is(ButtonTypeURL):
				return paramsError(pf, "button "+strconv.Itoa(c.Index)+" is a URL without a variable: it takes no parameter", "template.params.count")
			}
		case ComponentCarousel:
			if !s.carousel {
				return paramsError(cf, "the template has no carousel", "template.params.count")
			}
			if len(c.Cards) != len(s.cards) {
				return paramsError(join(cf, "cards"), "the carousel has "+strconv.Itoa(len(s.cards))+" cards, "+strconv.Itoa(len(c.Cards))+" filled", "template.params.count")
			}
			var seen [MaxCarouselCards]bool
			for k := range c.Cards {
				card := &c.Cards[k]
				kf := index(join(cf, "cards"), k)
				if card.CardIndex < 0 || card.CardIndex >= len(s.cards) || card.CardIndex >= len(seen) || seen[card.CardIndex] {
					return paramsError(join(kf, "card_index"), "no such card, or filled twice", "template.params.count")
				}
				seen[card.CardIndex] = true
				if err := s.cards[card.CardIndex].checkComponents(join(kf, "components"), card.Components); err != nil {
					return err
				}
			}
		case ComponentLimitedTimeOffer:
			if !s.offer {
				return paramsError(cf, "the template has no limited-time offer", "template.params.count")
			}
		}
	}
	if !header && !s.looseHeader && s.header != "" && (len(s.headerV) > 0 || !s.header.is(HeaderFormatText)) {
		return paramsError(f, "the template's "+string(s.header)+" header needs a parameter", "template.params.missing")
	}
	if !body && len(s.bodyV) > 0 {
		return paramsError(f, "the body has "+strconv.Itoa(len(s.bodyV))+" variables and no body parameters were given", "template.params.count")
	}
	if !body && s.auth && len(s.bodyV) == 0 && s.body {
		return paramsError(f, "an authentication template's body takes the code", "template.params.missing")
	}
	for j, b := range s.buttons {
		if !s.looseButtons && (j >= len(buttons) || !buttons[j]) && (b.urlVar || b.typ.is(ButtonTypeOTP)) {
			return paramsError(f, "button "+strconv.Itoa(j)+" needs a parameter", "template.params.missing")
		}
	}
	return nil
}

func (s *templateShape) checkHeader(f string, ps []TemplateParameter) error {
	switch {
	case s.header == "" || s.header.is(HeaderFormatText) && len(s.headerV) == 0:
		if len(ps) > 0 {
			return paramsError(f, "the template's header takes no parameter", "template.params.count")
		}
		return nil
	case len(ps) != 1:
		return paramsError(f, "the template's header takes one parameter", "template.params.count")
	case s.header.is(HeaderFormatText):
		if ps[0].Type != "text" {
			return paramsError(index(f, 0), "the template's header is TEXT, the parameter is "+strconv.Quote(ps[0].Type), "template.params.format")
		}
		return s.checkNames(f, ps, s.headerV)
	}
	if want := mediaParamType(s.header); want != "" && ps[0].Type != want {
		return paramsError(index(f, 0), "the template's header is "+string(s.header)+", the parameter is "+strconv.Quote(ps[0].Type), "template.params.format")
	}
	return nil
}

func (s *templateShape) checkBody(f string, ps []TemplateParameter) error {
	want := len(s.bodyV)
	if s.auth && want == 0 {
		want = 1 // the code
	}
	if len(ps) != want {
		return paramsError(f, "the body has "+strconv.Itoa(want)+" variables, "+strconv.Itoa(len(ps))+" parameters given", "template.params.count")
	}
	return s.checkNames(f, ps, s.bodyV)
}

// checkNames checks that named parameters name exactly the variables, and
// positional ones name none.
func (s *templateShape) checkNames(f string, ps []TemplateParameter, vars []Variable) error {
	for i := range ps {
		p := &ps[i]
		if !s.named {
			if p.Name != "" {
				return paramsError(join(index(f, i), "parameter_name"), "the template's variables are positional: no parameter_name", "template.params.format")
			}
			continue
		}
		if p.Name == "" {
			return paramsError(join(index(f, i), "parameter_name"), "the template's variables are named: parameter_name is required", "template.params.format")
		}
		found := false
		for _, v := range vars {
			if v.Name == p.Name {
				found = true
				break
			}
		}
		if !found {
			return paramsError(join(index(f, i), "parameter_name"), "the template has no {{"+p.Name+"}}", "template.params.count")
		}
		for _, q := range ps[:i] {
			if q.Name == p.Name {
				return paramsError(join(index(f, i), "parameter_name"), "{{"+p.Name+"}} is filled twice", "template.params.count")
			}
		}
	}
	return nil
}
