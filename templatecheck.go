package whatsapp

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the checks a template definition must pass before it is
// sent to CreateTemplate or EditTemplate: the content rules Meta enforces
// at creation (errors 2388xxx) or in review (INVALID_FORMAT).

// Template content limits, in characters.
const (
	MaxTemplateHeaderTextLength  = 60   // TEXT header
	MaxTemplateBodyLength        = 1024 // body
	MaxTemplateFooterLength      = 60   // footer
	MaxTemplateButtons           = 10   // buttons of a template
	MaxQuickReplyButtons         = 10   // QUICK_REPLY buttons
	MaxURLButtons                = 2    // URL buttons
	MaxPhoneNumberButtons        = 1    // PHONE_NUMBER buttons
	MaxCopyCodeButtons           = 1    // COPY_CODE buttons
	MaxTemplateButtonTextLength  = 25   // button label
	MaxTemplateButtonURLLength   = 2000 // URL button url
	MaxTemplateButtonPhoneLength = 20   // PHONE_NUMBER button phone_number
	MaxCopyCodeExampleLength     = 15   // COPY_CODE example (some sources say 20)
	MaxCarouselCards             = 10   // cards of a carousel
	MaxOfferTextLength           = 16   // limited_time_offer text
	MaxCodeExpirationMinutes     = 90   // authentication footer code_expiration_minutes
	MaxOTPSupportedApps          = 5    // OTP supported_apps
	OTPSignatureHashLength       = 11   // OTP signature_hash
	MaxOTPPackageNameLength      = 224  // OTP package_name
)

// Validate checks the template against the Cloud API's content rules
// before it is created, and returns the first broken rule as a
// *ValidationError (matching ErrInvalidMessage and ErrTemplateContent)
// whose Rule names it:
//
//   - template.name.required, template.name.charset, template.name.length
//   - template.language.required, template.language.unknown (after
//     NormalizeLanguage, so "en-US" is accepted as en_US)
//   - template.category, template.parameter_format, template.ttl
//   - template.component.type, template.component.count,
//     template.component.body (exactly one body)
//   - template.header.format, template.header.length,
//     template.header.variables (at most one), template.header.example
//   - template.body.length, template.footer.length,
//     template.footer.variables (no variables in a footer)
//   - template.buttons.count (at most 10 in all; 10 QUICK_REPLY, 2 URL,
//     1 PHONE_NUMBER, 1 COPY_CODE), template.buttons.grouping (quick
//     replies not interleaved with other buttons), template.button.text,
//     template.button.url, template.button.url.variable (one variable, at
//     the end), template.button.phone, template.button.example,
//     template.button.otp, template.button.flow
//   - template.auth.* (authentication templates: OTP button, code
//     expiry 1 to 90 minutes, no header), template.carousel.*,
//     template.lto.*
//   - template.variable.malformed, template.variable.name,
//     template.variable.mixed (positional and named together),
//     template.variable.format (variables not of the declared
//     parameter_format), template.variable.sequence (positional variables
//     are {{1}} to {{n}}, none missing), template.variable.duplicate (a
//     named variable used twice), template.variable.edge (the body starts
//     or ends with a variable), template.variable.adjacent (two variables
//     with nothing but spaces between them), template.variable.example
//     (one sample per variable, none extra).
//
// The ratio of variables to text length (2388293) is not checked: Meta
// does not document it.
func (t *MessageTemplate) Validate() error {
	return t.validate(false)
}

// validate checks a definition for create (edit false) or edit (name and
// language are not sent on edit, so they are only checked when set).
func (t *MessageTemplate) validate(edit bool) error {
	if !edit || t.Name != "" {
		if err := checkTemplateName("name", t.Name); err != nil {
			return contentError(err, "template.name.required")
		}
	}
	if !edit || t.Language != "" {
		if t.Language == "" {
			return contentError(invalid("language", "is required", nil), "template.language.required")
		}
		if !IsKnownLanguage(t.Language) {
			return contentError(invalid("language", "is not a template language the Cloud API documents (e.g. en_US, pt_BR)", t.Language), "template.language.unknown")
		}
	}
	switch {
	case t.Category == "" && edit:
	case t.Category.is(TemplateCategoryMarketing), t.Category.is(TemplateCategoryUtility), t.Category.is(TemplateCategoryAuthentication):
	default:
		return contentError(invalid("category", "must be MARKETING, UTILITY or AUTHENTICATION", string(t.Category)), "template.category")
	}
	switch {
	case t.ParameterFormat == "", t.named(),
		strings.EqualFold(string(t.ParameterFormat), string(ParameterFormatPositional)):
	default:
		return contentError(invalid("parameter_format", "must be POSITIONAL or NAMED", string(t.ParameterFormat)), "template.parameter_format")
	}
	if t.MessageSendTTLSeconds < 0 {
		return contentError(invalid("message_send_ttl_seconds", "must not be negative", t.MessageSendTTLSeconds), "template.ttl")
	}
	v := templateCheck{t: t, named: t.named(), auth: t.Category.is(TemplateCategoryAuthentication)}
	v.anyNamed, v.anyPositional = variableStyles(t.Components)
	return v.components("components", t.Components, false)
}

// contentError marks a validation error as a content-rule error, naming
// rule when it has none.
func contentError(err error, rule string) error {
	if ve, ok := err.(*ValidationError); ok {
		if ve.Rule == "" {
			ve.Rule = rule
		}
		if ve.Err == nil {
			ve.Err = ErrTemplateContent
		}
	}
	return err
}

// ruleError is a content-rule error.
func ruleError(field, reason string, value any, rule string) *ValidationError {
	return &ValidationError{Field: field, Reason: reason, Value: value, Rule: rule, Err: ErrTemplateContent}
}

// templateCheck carries what the checks of one template share.
type templateCheck struct {
	t           *MessageTemplate
	named, auth bool
	// anyNamed, anyPositional: which variable styles the template's
	// header and body texts use.
	anyNamed, anyPositional bool
	vars                    []Variable // scratch
}

func (v *templateCheck) components(f string, cs []MessageTemplateComponent, inCard bool) error {
	var header, body, footer, buttons, carousel, offer int
	for i := range cs {
		c := &cs[i]
		cf := index(f, i)
		var n *int
		var err error
		switch {
		case c.Type == "":
			return ruleError(join(cf, "type"), "is required", nil, "template.component.type")
		case c.Type.is(HeaderComponent):
			n, err = &header, v.header(cf, c, inCard)
		case c.Type.is(BodyComponent):
			n, err = &body, v.body(cf, c)
		case c.Type.is(FooterComponent):
			n, err = &footer, v.footer(cf, c)
		case c.Type.is(ButtonsComponent):
			n, err = &buttons, v.buttons(cf, c, inCard)
		case c.Type.is(CarouselComponent):
			n, err = &carousel, v.carousel(cf, c)
		case c.Type.is(LimitedTimeOfferComponent):
			n, err = &offer, v.offer(cf, c)
		default:
			continue // a component type this package does not know: the API decides
		}
		if err != nil {
			return err
		}
		if *n++; *n > 1 {
			return ruleError(join(cf, "type"), "a template has at most one "+strings.ToUpper(string(c.Type))+" component", string(c.Type), "template.component.count")
		}
		if inCard && (n == &footer || n == &carousel || n == &offer) {
			return ruleError(join(cf, "type"), "a carousel card has only a header, a body and buttons", string(c.Type), "template.carousel.card")
		}
	}
	if !inCard && body == 0 {
		return ruleError(f, "a template needs exactly one BODY component", nil, "template.component.body")
	}
	if inCard && header == 0 {
		return ruleError(f, "a carousel card needs a media header", nil, "template.carousel.header")
	}
	if offer > 0 && footer > 0 {
		return ruleError(f, "a limited-time offer template has no footer", nil, "template.lto.footer")
	}
	return nil
}

func (v *templateCheck) header(f string, c *MessageTemplateComponent, inCard bool) error {
	if v.auth {
		return ruleError(join(f, "type"), "authentication templates have no header", string(c.Type), "template.auth.header")
	}
	switch {
	case c.Format == "":
		return ruleError(join(f, "format"), "is required", nil, "template.header.format")
	case c.Format.is(HeaderFormatText):
		if inCard {
			return ruleError(join(f, "format"), "a carousel card's header is IMAGE, VIDEO or PRODUCT", string(c.Format), "template.carousel.header")
		}
		if err := checkText(join(f, "text"), c.Text, 1, MaxTemplateHeaderTextLength); err != nil {
			return contentError(err, "template.header.length")
		}
		return v.variables(f, c, false)
	case c.Format.is(HeaderFormatImage), c.Format.is(HeaderFormatVideo), c.Format.is(HeaderFormatGIF), c.Format.is(HeaderFormatDocument):
		if inCard && (c.Format.is(HeaderFormatGIF) || c.Format.is(HeaderFormatDocument)) {
			return ruleError(join(f, "format"), "a carousel card's header is IMAGE, VIDEO or PRODUCT", string(c.Format), "template.carousel.header")
		}
		if len(c.Example.HeaderHandle) != 1 || strings.TrimSpace(c.Example.HeaderHandle[0]) == "" {
			return ruleError(join(f, "example.header_handle"), "a media header needs one sample, the handle of a resumable upload", nil, "template.header.example")
		}
	case c.Format.is(HeaderFormatLocation), c.Format.is(HeaderFormatProduct):
	default:
		return nil // a format this package does not know: the API decides
	}
	if c.Text != "" {
		return ruleError(join(f, "text"), "only a TEXT header has text", c.Text, "template.header.format")
	}
	return nil
}

func (v *templateCheck) body(f string, c *MessageTemplateComponent) error {
	if c.AddSecurityRecommendation && !v.auth {
		return ruleError(join(f, "add_security_recommendation"), "only authentication templates take it", true, "template.auth.only")
	}
	if v.auth {
		// The platform writes an authentication template's body (a fetched
		// one reads like "{{1}} is your verification code."): no rules of
		// ours apply to it.
		return nil
	}
	if err := checkText(join(f, "text"), c.Text, 1, MaxTemplateBodyLength); err != nil {
		return contentError(err, "template.body.length")
	}
	return v.variables(f, c, true)
}

func (v *templateCheck) footer(f string, c *MessageTemplateComponent) error {
	if v.auth {
		if c.CodeExpirationMinutes < 0 || c.CodeExpirationMinutes > MaxCodeExpirationMinutes {
			return ruleError(join(f, "code_expiration_minutes"), "must be 1 to 90", c.CodeExpirationMinutes, "template.auth.expiration")
		}
		if c.Text != "" {
			return ruleError(join(f, "text"), "an authentication template's footer has no text: set code_expiration_minutes", c.Text, "template.auth.footer")
		}
		return nil
	}
	if c.CodeExpirationMinutes != 0 {
		return ruleError(join(f, "code_expiration_minutes"), "only authentication templates take it", c.CodeExpirationMinutes, "template.auth.only")
	}
	if err := checkText(join(f, "text"), c.Text, 1, MaxTemplateFooterLength); err != nil {
		return contentError(err, "template.footer.length")
	}
	if p := strings.Index(c.Text, "{{"); p >= 0 {
		return ruleError(join(f, "text"), "a footer has no variables", c.Text, "template.footer.variables")
	}
	return nil
}

func (v *templateCheck) buttons(f string, c *MessageTemplateComponent, inCard bool) error {
	bf := join(f, "buttons")
	if err := checkCount(bf, len(c.Buttons), 1, MaxTemplateButtons); err != nil {
		return contentError(err, "template.buttons.count")
	}
	var quick, url, phone, copyCode, otp, groups int
	for i := range c.Buttons {
		b := &c.Buttons[i]
		isQuick := b.Type.is(ButtonTypeQuickReply)
		if i == 0 || isQuick != c.Buttons[i-1].Type.is(ButtonTypeQuickReply) {
			groups++
		}
		switch {
		case isQuick:
			quick++
		case b.Type.is(ButtonTypeURL):
			url++
		case b.Type.is(ButtonTypePhoneNumber):
			phone++
		case b.Type.is(ButtonTypeCopyCode):
			copyCode++
		case b.Type.is(ButtonTypeOTP):
			otp++
		}
		if err := v.button(index(bf, i), b); err != nil {
			return err
		}
	}
	for _, lim := range [...]struct {
		n, max int
		name   string
	}{{quick, MaxQuickReplyButtons, "QUICK_REPLY"}, {url, MaxURLButtons, "URL"}, {phone, MaxPhoneNumberButtons, "PHONE_NUMBER"}, {copyCode, MaxCopyCodeButtons, "COPY_CODE"}} {
		if lim.n > lim.max {
			return ruleError(bf, "at most "+strconv.Itoa(lim.max)+" "+lim.name+" buttons, has "+strconv.Itoa(lim.n), nil, "template.buttons.count")
		}
	}
	if groups > 2 {
		return ruleError(bf, "quick-reply buttons must be grouped together, not interleaved with other buttons", nil, "template.buttons.grouping")
	}
	switch {
	case v.auth && (otp != 1 || len(c.Buttons) != 1):
		return ruleError(bf, "an authentication template has exactly one OTP button", nil, "template.auth.button")
	case !v.auth && otp > 0:
		return ruleError(bf, "OTP buttons are for authentication templates", nil, "template.auth.only")
	}
	return nil
}

func (v *templateCheck) button(f string, b *MessageTemplateButton) error {
	switch {
	case b.Type == "":
		return ruleError(join(f, "type"), "is required", nil, "template.button.type")
	case b.Type.is(ButtonTypeQuickReply), b.Type.is(ButtonTypePhoneNumber), b.Type.is(ButtonTypeURL),
		b.Type.is(ButtonTypeFlow), b.Type.is(ButtonTypeCatalog), b.Type.is(ButtonTypeMPM), b.Type.is(ButtonTypeSPM):
		if err := checkText(join(f, "text"), b.Text, 1, MaxTemplateButtonTextLength); err != nil {
			return contentError(err, "template.button.text")
		}
	case b.Type.is(ButtonTypeOTP):
		if err := checkText(join(f, "text"), b.Text, 0, MaxTemplateButtonTextLength); err != nil {
			return contentError(err, "template.button.text")
		}
	}
	switch {
	case b.Type.is(ButtonTypeURL):
		return v.urlButton(f, b)
	case b.Type.is(ButtonTypePhoneNumber):
		if err := checkText(join(f, "phone_number"), b.PhoneNumber, 1, MaxTemplateButtonPhoneLength); err != nil {
			return contentError(err, "template.button.phone")
		}
	case b.Type.is(ButtonTypeCopyCode):
		if len(b.Example) != 1 {
			return ruleError(join(f, "example"), "a COPY_CODE button needs one sample code", nil, "template.button.example")
		}
		if err := checkText(join(f, "example"), b.Example[0], 1, MaxCopyCodeExampleLength); err != nil {
			return contentError(err, "template.button.example")
		}
	case b.Type.is(ButtonTypeOTP):
		return v.otpButton(f, b)
	case b.Type.is(ButtonTypeFlow):
		n := 0
		for _, s := range [...]string{b.FlowID, b.FlowName, b.FlowJSON} {
			if s != "" {
				n++
			}
		}
		if n != 1 {
			return ruleError(f, "a FLOW button names its flow by exactly one of flow_id, flow_name or flow_json", nil, "template.button.flow")
		}
		if b.FlowAction != "" && !strings.EqualFold(b.FlowAction, "navigate") && !strings.EqualFold(b.FlowAction, "data_exchange") {
			return ruleError(join(f, "flow_action"), "must be navigate or data_exchange", b.FlowAction, "template.button.flow")
		}
	}
	return nil
}

func (v *templateCheck) urlButton(f string, b *MessageTemplateButton) error {
	uf := join(f, "url")
	if err := checkText(uf, b.URL, 1, MaxTemplateButtonURLLength); err != nil {
		return contentError(err, "template.button.url")
	}
	vars, err := appendVariables(v.vars[:0], b.URL, uf)
	v.vars = vars
	if err != nil {
		return err
	}
	base := b.URL
	switch {
	case len(vars) > 1:
		return ruleError(uf, "a URL button has at most one variable", b.URL, "template.button.url.variable")
	case len(vars) == 1:
		if vars[0].End != len(b.URL) {
			return ruleError(uf, "the variable of a URL button must end the URL", b.URL, "template.button.url.variable")
		}
		if vars[0].Index != 1 {
			return ruleError(uf, "the variable of a URL button is {{1}}", b.URL, "template.button.url.variable")
		}
		base = b.URL[:vars[0].Start]
		if len(b.Example) != 1 || b.Example[0] == "" {
			return ruleError(join(f, "example"), "a URL with a variable needs one sample URL", nil, "template.button.example")
		}
		if err := checkURL(join(f, "example"), b.Example[0], MaxTemplateButtonURLLength, "https", "http"); err != nil {
			return contentError(err, "template.button.example")
		}
	case len(b.Example) > 0:
		return ruleError(join(f, "example"), "a URL without a variable takes no sample", b.Example, "template.button.example")
	}
	if err := checkURL(uf, base+"x", MaxTemplateButtonURLLength+1, "https", "http"); err != nil {
		return contentError(invalid(uf, "must be an absolute http or https URL", b.URL), "template.button.url")
	}
	return nil
}

func (v *templateCheck) otpButton(f string, b *MessageTemplateButton) error {
	switch {
	case strings.EqualFold(string(b.OTPType), string(OTPCopyCode)):
		return nil
	case strings.EqualFold(string(b.OTPType), string(OTPOneTap)), strings.EqualFold(string(b.OTPType), string(OTPZeroTap)):
	default:
		return ruleError(join(f, "otp_type"), "must be COPY_CODE, ONE_TAP or ZERO_TAP", string(b.OTPType), "template.button.otp")
	}
	if err := checkText(join(f, "autofill_text"), b.AutofillText, 0, MaxTemplateButtonTextLength); err != nil {
		return contentError(err, "template.button.text")
	}
	apps := b.SupportedApps
	if b.PackageName != "" || b.SignatureHash != "" {
		if len(apps) > 0 {
			return ruleError(f, "set package_name and signature_hash, or supported_apps, not both", nil, "template.button.otp")
		}
		apps = []OTPSupportedApp{{PackageName: b.PackageName, SignatureHash: b.SignatureHash}}
	}
	if len(apps) == 0 || len(apps) > MaxOTPSupportedApps {
		return ruleError(join(f, "supported_apps"), "a ONE_TAP or ZERO_TAP button names 1 to 5 Android apps", len(apps), "template.button.otp")
	}
	for i, app := range apps {
		af := index(join(f, "supported_apps"), i)
		if err := checkText(join(af, "package_name"), app.PackageName, 1, MaxOTPPackageNameLength); err != nil {
			return contentError(err, "template.button.otp")
		}
		if utf8.RuneCountInString(app.SignatureHash) != OTPSignatureHashLength {
			return ruleError(join(af, "signature_hash"), "must be 11 characters", app.SignatureHash, "template.button.otp")
		}
	}
	if strings.EqualFold(string(b.OTPType), string(OTPZeroTap)) && !b.ZeroTapTermsAccepted {
		return ruleError(join(f, "zero_tap_terms_accepted"), "ZERO_TAP needs the zero-tap terms accepted", false, "template.button.otp.terms")
	}
	return nil
}

func (v *templateCheck) carousel(f string, c *MessageTemplateComponent) error {
	cf := join(f, "cards")
	if err := checkCount(cf, len(c.Cards), 1, MaxCarouselCards); err != nil {
		return contentError(err, "template.carousel.cards")
	}
	for i := range c.Cards {
		kf := index(cf, i)
		if err := v.components(join(kf, "components"), c.Cards[i].Components, true); err != nil {
			return err
		}
		if i > 0 && !sameLayout(c.Cards[0].Components, c.Cards[i].Components) {
			return ruleError(kf, "every card of a carousel has the same components and buttons as the first", nil, "template.carousel.uniform")
		}
	}
	return nil
}

// sameLayout reports whether two cards have the same component types,
// header formats and button types, in order.
func sameLayout(a, b []MessageTemplateComponent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Type.is(b[i].Type) || !a[i].Format.is(b[i].Format) || len(a[i].Buttons) != len(b[i].Buttons) {
			return false
		}
		for j := range a[i].Buttons {
			if !a[i].Buttons[j].Type.is(b[i].Buttons[j].Type) {
				return false
			}
		}
	}
	return true
}

func (v *templateCheck) offer(f string, c *MessageTemplateComponent) error {
	if !v.t.Category.is(TemplateCategoryMarketing) && v.t.Category != "" {
		return ruleError(join(f, "type"), "limited-time offers are for MARKETING templates", string(v.t.Category), "template.lto.category")
	}
	if c.LimitedTimeOffer == nil {
		return ruleError(join(f, "limited_time_offer"), "is required", nil, "template.lto.text")
	}
	if err := checkText(join(f, "limited_time_offer.text"), c.LimitedTimeOffer.Text, 1, MaxOfferTextLength); err != nil {
		return contentError(err, "template.lto.text")
	}
	return nil
}

// variables checks the variables of a header (body false) or body text
// and their samples.
func (v *templateCheck) variables(f string, c *MessageTemplateComponent, body bool) error {
	tf := join(f, "text")
	vars, err := appendVariables(v.vars[:0], c.Text, tf)
	v.vars = vars
	if err != nil {
		return err
	}
	if !body && len(vars) > 1 {
		return ruleError(tf, "a header has at most one variable", c.Text, "template.header.variables")
	}
	maxIndex := 0
	for i, x := range vars {
		if x.Named() {
			if !v.named {
				if v.anyPositional {
					return ruleError(tf, "a template uses positional or named variables, not both", c.Text, "template.variable.mixed")
				}
				return ruleError(tf, "{{"+x.Name+"}} is named: set parameter_format to NAMED", c.Text, "template.variable.format")
			}
			if err := checkParamName(tf, x.Name); err != nil {
				return contentError(err, "template.variable.name")
			}
			for _, y := range vars[:i] {
				if y.Name == x.Name {
					return ruleError(tf, "the named variable {{"+x.Name+"}} is used twice", c.Text, "template.variable.duplicate")
				}
			}
		} else {
			if v.named {
				if v.anyNamed {
					return ruleError(tf, "a template uses positional or named variables, not both", c.Text, "template.variable.mixed")
				}
				return ruleError(tf, "{{"+x.Name+"}} is positional but parameter_format is NAMED", c.Text, "template.variable.format")
			}
			maxIndex = max(maxIndex, x.Index)
		}
		if body && i > 0 && strings.TrimFunc(c.Text[vars[i-1].End:x.Start], unicode.IsSpace) == "" {
			return ruleError(tf, "variables {{"+vars[i-1].Name+"}} and {{"+x.Name+"}} are adjacent: put text between them", c.Text, "template.variable.adjacent")
		}
	}
	if maxIndex > 0 {
		for n := 1; n <= maxIndex; n++ {
			found := false
			for _, x := range vars {
				if x.Index == n {
					found = true
					break
				}
			}
			if !found {
				return ruleError(tf, "positional variables run from {{1}} without gaps: {{"+strconv.Itoa(n)+"}} is missing", c.Text, "template.variable.sequence")
			}
		}
	}
	if body && len(vars) > 0 {
		trimmed := strings.TrimLeftFunc(c.Text, unicode.IsSpace)
		lead := len(c.Text) - len(trimmed)
		if vars[0].Start == lead || vars[len(vars)-1].End == len(strings.TrimRightFunc(c.Text, unicode.IsSpace)) {
			return ruleError(tf, "the body must not start or end with a variable", c.Text, "template.variable.edge")
		}
	}
	return v.examples(f, c, vars, maxIndex, body)
}

// variableStyles reports whether the header and body texts (carousel
// cards included) use named and positional variables. Malformed
// placeholders are skipped: the component checks report them.
func variableStyles(cs []MessageTemplateComponent) (named, positional bool) {
	for i := range cs {
		c := &cs[i]
		if c.Type.is(HeaderComponent) || c.Type.is(BodyComponent) {
			var buf [8]Variable
			vars, _ := appendVariables(buf[:0], c.Text, "")
			for _, x := range vars {
				named = named || x.Named()
				positional = positional || !x.Named()
			}
		}
		for _, card := range c.Cards {
			n, p := variableStyles(card.Components)
			named, positional = named || n, positional || p
		}
	}
	return named, positional
}

// examples checks that each variable has one sample and that no sample is
// extra.
func (v *templateCheck) examples(f string, c *MessageTemplateComponent, vars []Variable, maxIndex int, body bool) error {
	ex := &c.Example
	ef := join(f, "example")
	posName, namedName := "header_text", "header_text_named_params"
	positional, named := ex.HeaderText, ex.HeaderTextNamedParams
	var rows int
	if body {
		posName, namedName = "body_text", "body_text_named_params"
		named = ex.BodyTextNamedParams
		positional = nil
		rows = len(ex.BodyText)
		if rows > 0 {
			positional = ex.BodyText[0]
		}
	}
	if len(vars) == 0 {
		if len(positional) > 0 || len(named) > 0 || rows > 0 {
			return ruleError(ef, "samples given but the text has no variables", nil, "template.variable.example")
		}
		return nil
	}
	if v.named {
		if len(positional) > 0 || rows > 0 {
			return ruleError(join(ef, posName), "a NAMED template gives its samples in "+namedName, nil, "template.variable.example")
		}
		for _, x := range vars {
			found := false
			for _, s := range named {
				if s.ParamName == x.Name {
					found = true
					if strings.TrimSpace(s.Example) == "" {
						return ruleError(join(ef, namedName), "the sample of {{"+x.Name+"}} is empty", nil, "template.variable.example")
					}
				}
			}
			if !found {
				return ruleError(join(ef, namedName), "no sample for {{"+x.Name+"}}", nil, "template.variable.example")
			}
		}
		for i, s := range named {
			if !hasPlaceholder(c.Text, s.ParamName) {
				return ruleError(index(join(ef, namedName), i), "sample for {{"+s.ParamName+"}}, which the text does not have", s.ParamName, "template.variable.example")
			}
			for _, t := range named[:i] {
				if t.ParamName == s.ParamName {
					return ruleError(index(join(ef, namedName), i), "two samples for {{"+s.ParamName+"}}", s.ParamName, "template.variable.example")
				}
			}
		}
		return nil
	}
	if len(named) > 0 {
		return ruleError(join(ef, namedName), "a POSITIONAL template gives its samples in "+posName, nil, "template.variable.example")
	}
	if rows > 1 {
		return ruleError(join(ef, posName), "give one row of samples", rows, "template.variable.example")
	}
	if len(positional) != maxIndex {
		return ruleError(join(ef, posName), "needs one sample per variable: "+strconv.Itoa(maxIndex)+" variables, "+strconv.Itoa(len(positional))+" samples", nil, "template.variable.example")
	}
	for i, s := range positional {
		if strings.TrimSpace(s) == "" {
			return ruleError(index(join(ef, posName), i), "the sample of {{"+strconv.Itoa(i+1)+"}} is empty", nil, "template.variable.example")
		}
	}
	return nil
}
