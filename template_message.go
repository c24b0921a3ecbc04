package whatsapp

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Template sends an approved message template: the only kind allowed
// outside the 24-hour customer service window.
//
//	whatsapp.Template{
//		Name:     "ticket_update",
//		Language: "en_US",
//		Components: []whatsapp.TemplateComponent{
//			whatsapp.BodyParameters(whatsapp.TextParameter("#4512"), whatsapp.TextParameter("25 November")),
//		},
//	}
type Template struct {
	// Name is the template's name.
	Name string
	// Language is the template's language code, e.g. "en_US".
	Language string
	// Components carry the parameters of the header, body, buttons,
	// carousel cards and limited-time offer.
	Components []TemplateComponent
}

// Template component types (TemplateComponent.Type) on the send side.
const (
	ComponentHeader           = "header"
	ComponentBody             = "body"
	ComponentButton           = "button"
	ComponentCarousel         = "carousel"
	ComponentLimitedTimeOffer = "limited_time_offer"
)

// Button sub-types (TemplateComponent.SubType) on the send side.
const (
	ButtonQuickReply = "quick_reply"
	ButtonURL        = "url"
	ButtonCopyCode   = "copy_code"
	ButtonFlow       = "flow"
	ButtonCatalog    = "catalog"
	ButtonMPM        = "mpm"
	ButtonVoiceCall  = "voice_call"
	ButtonOTP        = "otp"
)

// TemplateComponent fills one component of a template.
type TemplateComponent struct {
	// Type is header, body, button, carousel or limited_time_offer.
	Type string
	// SubType is the button kind (quick_reply, url, copy_code, flow,
	// catalog, mpm, ...); buttons only.
	SubType string
	// Index is the button's position in the template, 0 to 9; buttons only.
	Index int
	// Parameters fill the component's variables, in order (positional
	// templates) or by name (named templates).
	Parameters []TemplateParameter
	// Cards fill a carousel's cards.
	Cards []TemplateCard
}

// TemplateCard fills one card of a carousel template.
type TemplateCard struct {
	CardIndex  int                 `json:"card_index"`
	Components []TemplateComponent `json:"components"`
}

// MarshalJSON encodes the component; a button's index is a string on the
// wire.
func (c TemplateComponent) MarshalJSON() ([]byte, error) {
	w := struct {
		Type       string              `json:"type"`
		SubType    string              `json:"sub_type,omitempty"`
		Index      string              `json:"index,omitempty"`
		Parameters []TemplateParameter `json:"parameters,omitempty"`
		Cards      []TemplateCard      `json:"cards,omitempty"`
	}{Type: c.Type, SubType: c.SubType, Parameters: c.Parameters, Cards: c.Cards}
	if c.Type == ComponentButton {
		w.Index = strconv.Itoa(c.Index)
	}
	return marshalJSON(w)
}

// TemplateParameter is one value of a template variable or button. Set
// Type and the matching field; the constructors (TextParameter,
// CurrencyParameter, ...) do both.
type TemplateParameter struct {
	// Type is text, currency, date_time, image, video, document, location,
	// payload, coupon_code, action, limited_time_offer or product.
	Type string `json:"type"`
	// Name is the variable's name in a template with named parameters
	// (parameter_name); empty for positional templates.
	Name       string           `json:"parameter_name,omitempty"`
	Text       string           `json:"text,omitempty"`
	Currency   *Currency        `json:"currency,omitempty"`
	DateTime   *DateTime        `json:"date_time,omitempty"`
	Image      *Image           `json:"image,omitempty"`
	Video      *Video           `json:"video,omitempty"`
	Document   *Document        `json:"document,omitempty"`
	Location   *Location        `json:"location,omitempty"`
	Payload    string           `json:"payload,omitempty"`
	CouponCode string           `json:"coupon_code,omitempty"`
	Action     *TemplateAction  `json:"action,omitempty"`
	Offer      *OfferExpiration `json:"limited_time_offer,omitempty"`
	Product    *TemplateProduct `json:"product,omitempty"`
}

// Currency is a currency parameter. The Cloud API renders FallbackValue.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	// Code is the ISO 4217 code, e.g. "USD".
	Code string `json:"code"`
	// Amount1000 is the amount times 1000: $100.99 is 100990.
	Amount1000 int64 `json:"amount_1000"`
}

// DateTime is a date-time parameter. The Cloud API renders FallbackValue.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

// TemplateAction is the parameter of a flow or catalog button.
type TemplateAction struct {
	FlowToken                  string          `json:"flow_token,omitempty"`
	FlowActionData             map[string]any  `json:"flow_action_data,omitempty"`
	ThumbnailProductRetailerID string          `json:"thumbnail_product_retailer_id,omitempty"`
	Sections                   json.RawMessage `json:"sections,omitempty"`
}

// OfferExpiration is the expiry of a limited-time offer, in Unix
// milliseconds.
type OfferExpiration struct {
	ExpirationTimeMS int64 `json:"expiration_time_ms"`
}

// TemplateProduct is a product header parameter (catalog and carousel
// templates).
type TemplateProduct struct {
	ProductRetailerID string `json:"product_retailer_id"`
	CatalogID         string `json:"catalog_id"`
}

// TextParameter returns a positional text parameter.
func TextParameter(s string) TemplateParameter { return TemplateParameter{Type: "text", Text: s} }

// NamedTextParameter returns a text parameter for the named variable
// {{name}}.
func NamedTextParameter(name, s string) TemplateParameter {
	return TemplateParameter{Type: "text", Name: name, Text: s}
}

// CurrencyParameter returns a currency parameter; amount1000 is the amount
// times 1000.
func CurrencyParameter(fallback, code string, amount1000 int64) TemplateParameter {
	return TemplateParameter{Type: "currency", Currency: &Currency{FallbackValue: fallback, Code: code, Amount1000: amount1000}}
}

// DateTimeParameter returns a date-time parameter shown as fallback.
func DateTimeParameter(fallback string) TemplateParameter {
	return TemplateParameter{Type: "date_time", DateTime: &DateTime{FallbackValue: fallback}}
}

// ImageParameter returns an image header parameter.
func ImageParameter(img Image) TemplateParameter {
	return TemplateParameter{Type: "image", Image: &img}
}

// VideoParameter returns a video header parameter.
func VideoParameter(v Video) TemplateParameter { return TemplateParameter{Type: "video", Video: &v} }

// DocumentParameter returns a document header parameter.
func DocumentParameter(d Document) TemplateParameter {
	return TemplateParameter{Type: "document", Document: &d}
}

// LocationParameter returns a location header parameter.
func LocationParameter(l Location) TemplateParameter {
	return TemplateParameter{Type: "location", Location: &l}
}

// HeaderParameters returns the header component with parameters.
func HeaderParameters(ps ...TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: ComponentHeader, Parameters: ps}
}

// BodyParameters returns the body component with parameters.
func BodyParameters(ps ...TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: ComponentBody, Parameters: ps}
}

// QuickReplyButton returns the parameter of the quick-reply button at
// index: payload comes back in the user's button message.
func QuickReplyButton(index int, payload string) TemplateComponent {
	return TemplateComponent{Type: ComponentButton, SubType: ButtonQuickReply, Index: index,
		Parameters: []TemplateParameter{{Type: "payload", Payload: payload}}}
}

// URLButton returns the parameter of the dynamic URL button at index:
// suffix replaces the variable at the end of the button's URL.
func URLButton(index int, suffix string) TemplateComponent {
	return TemplateComponent{Type: ComponentButton, SubType: ButtonURL, Index: index,
		Parameters: []TemplateParameter{TextParameter(suffix)}}
}

// CopyCodeButton returns the parameter of the copy-code button at index.
func CopyCodeButton(index int, code string) TemplateComponent {
	return TemplateComponent{Type: ComponentButton, SubType: ButtonCopyCode, Index: index,
		Parameters: []TemplateParameter{{Type: "coupon_code", CouponCode: code}}}
}

// FlowButton returns the parameter of the flow button at index.
func FlowButton(index int, flowToken string, data map[string]any) TemplateComponent {
	return TemplateComponent{Type: ComponentButton, SubType: ButtonFlow, Index: index,
		Parameters: []TemplateParameter{{Type: "action", Action: &TemplateAction{FlowToken: flowToken, FlowActionData: data}}}}
}

// MessageType returns "template".
func (Template) MessageType() string { return TypeTemplate }

func (t Template) fill(w *wireMessage) { w.Template = &t }

// MarshalJSON encodes the template with its language object.
func (t Template) MarshalJSON() ([]byte, error) {
	type lang struct {
		Code string `json:"code"`
	}
	w := struct {
		Name       string              `json:"name"`
		Language   lang                `json:"language"`
		Components []TemplateComponent `json:"components,omitempty"`
	}{t.Name, lang{t.Language}, t.Components}
	return marshalJSON(w)
}

// Send-side limits of template parameters.
const (
	MaxTemplateButtonIndex     = 9
	MaxCouponCodeLength        = 20
	MaxTemplateNameLength      = 512
	MaxQuickReplyPayloadLength = 256
)

func (t Template) validate(f string) error {
	if err := checkTemplateName("name", t.Name); err != nil {
		return within(f, err)
	}
	if err := checkLanguageCode("language.code", t.Language); err != nil {
		return within(f, err)
	}
	v := templateParamCheck{}
	if err := v.components(t.Components, false); err != nil {
		return within(join(f, "components"), err)
	}
	return nil
}

// checkTemplateName checks a template name: lowercase letters, digits and
// underscores, at most 512 characters.
func checkTemplateName(f, name string) error {
	if name == "" {
		return invalid(f, "is required", nil)
	}
	if len(name) > MaxTemplateNameLength {
		return &ValidationError{Field: f, Reason: "must be at most 512 characters", Value: name, Rule: "template.name.length"}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return &ValidationError{Field: f, Reason: "must hold only lowercase letters, digits and underscores", Value: name, Rule: "template.name.charset"}
		}
	}
	return nil
}

// checkLanguageCode checks the shape of a locale code such as "en" or
// "en_US". A hyphen ("en-US") is refused with a hint: the API wants an
// underscore.
func checkLanguageCode(f, code string) error {
	if code == "" {
		return invalid(f, "is required", nil)
	}
	if strings.Contains(code, "-") {
		return invalid(f, "use an underscore, e.g. "+strings.ReplaceAll(code, "-", "_"), code)
	}
	lang, region, hasRegion := strings.Cut(code, "_")
	ok := len(lang) >= 2 && len(lang) <= 3 && isLower(lang)
	if hasRegion {
		ok = ok && len(region) == 2 && isUpper(region)
	}
	if !ok {
		return invalid(f, "must be a locale code such as en or en_US", code)
	}
	return nil
}

func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// templateParamCheck checks the components of a template send. It
// remembers whether the message uses named or positional parameters: one
// message uses one style.
type templateParamCheck struct {
	named, positional bool
}

// components checks cs. Field paths in its errors are relative to the
// list ("[1].parameters[0].text"): they are built only when a check fails,
// so a valid send allocates nothing here.
func (v *templateParamCheck) components(cs []TemplateComponent, inCard bool) error {
	var header, body, offer, carousel bool
	var buttons [MaxTemplateButtonIndex + 1]bool
	for i := range cs {
		c := &cs[i]
		at := func(sub string) string { return index("", i) + "." + sub }
		switch c.Type {
		case ComponentHeader:
			if header {
				return invalid(at("type"), "only one header component", c.Type)
			}
			header = true
			if len(c.Parameters) > 1 {
				return invalid(at("parameters"), "a header has at most one parameter, has "+strconv.Itoa(len(c.Parameters)), nil)
			}
		case ComponentBody:
			if body {
				return invalid(at("type"), "only one body component", c.Type)
			}
			body = true
		case ComponentButton:
			if c.SubType == "" {
				return invalid(at("sub_type"), "is required for buttons", nil)
			}
			if c.Index < 0 || c.Index > MaxTemplateButtonIndex {
				return invalid(at("index"), "must be 0 to 9", c.Index)
			}
			if buttons[c.Index] {
				return invalid(at("index"), "two components fill the same button", c.Index)
			}
			buttons[c.Index] = true
		case ComponentCarousel:
			if inCard || carousel {
				return invalid(at("type"), "only one carousel, not inside a card", c.Type)
			}
			carousel = true
			if len(c.Cards) < 1 || len(c.Cards) > 10 {
				return invalid(at("cards"), "must have 1 to 10 cards, has "+strconv.Itoa(len(c.Cards)), nil)
			}
			for j := range c.Cards {
				card := &c.Cards[j]
				if card.CardIndex < 0 || card.CardIndex > 9 {
					return invalid(index(at("cards"), j)+".card_index", "must be 0 to 9", card.CardIndex)
				}
				if err := v.components(card.Components, true); err != nil {
					return within(index(at("cards"), j)+".components", err)
				}
			}
			continue
		case ComponentLimitedTimeOffer:
			if offer {
				return invalid(at("type"), "only one limited_time_offer component", c.Type)
			}
			offer = true
		default:
			return invalid(at("type"), "must be header, body, button, carousel or limited_time_offer", c.Type)
		}
		if len(c.Cards) > 0 {
			return invalid(at("cards"), "only carousel components have cards", nil)
		}
		for j := range c.Parameters {
			if err := v.parameter(c, &c.Parameters[j]); err != nil {
				return within(index(at("parameters"), j), err)
			}
		}
	}
	return nil
}

// parameter checks one parameter; field paths in its errors are relative
// to the parameter.
func (v *templateParamCheck) parameter(c *TemplateComponent, p *TemplateParameter) error {
	if p.Name != "" {
		if c.Type != ComponentBody && c.Type != ComponentHeader {
			return invalid("parameter_name", "only header and body parameters have names", p.Name)
		}
		if err := checkParamName("parameter_name", p.Name); err != nil {
			return err
		}
		v.named = true
	} else if c.Type == ComponentBody || c.Type == ComponentHeader && p.Type == "text" {
		v.positional = true
	}
	if v.named && v.positional {
		return &ValidationError{Field: "parameter_name", Reason: "a template uses named or positional parameters, not both",
			Rule: "template.params.mixed", Err: ErrTemplateParams}
	}
	allowed := paramTypesFor(c)
	if err := oneOf("type", p.Type, allowed...); err != nil {
		err.(*ValidationError).Err = ErrTemplateParams
		return err
	}
	switch p.Type {
	case "text":
		if err := checkText("text", p.Text, 1, MaxTemplateParamLength); err != nil {
			return err
		}
		if c.Type == ComponentBody && strings.ContainsAny(p.Text, "\n\t") {
			return invalid("text", "body parameters must not contain new lines or tabs", p.Text)
		}
		if strings.Contains(p.Text, "     ") {
			return invalid("text", "must not contain more than 4 consecutive spaces", p.Text)
		}
	case "currency":
		if p.Currency == nil {
			return invalid("currency", "is required for a currency parameter", nil)
		}
		if err := checkText("currency.fallback_value", p.Currency.FallbackValue, 1, 1000); err != nil {
			return err
		}
		if len(p.Currency.Code) != 3 || !isUpper(p.Currency.Code) {
			return invalid("currency.code", "must be an ISO 4217 code such as USD", p.Currency.Code)
		}
	case "date_time":
		if p.DateTime == nil {
			return invalid("date_time", "is required for a date_time parameter", nil)
		}
		return checkText("date_time.fallback_value", p.DateTime.FallbackValue, 1, 1000)
	case "image":
		if p.Image == nil {
			return invalid("image", "is required for an image parameter", nil)
		}
		return p.Image.validate("image")
	case "video":
		if p.Video == nil {
			return invalid("video", "is required for a video parameter", nil)
		}
		return p.Video.validate("video")
	case "document":
		if p.Document == nil {
			return invalid("document", "is required for a document parameter", nil)
		}
		return p.Document.validate("document")
	case "location":
		if p.Location == nil {
			return invalid("location", "is required for a location parameter", nil)
		}
		return p.Location.validate("location")
	case "payload":
		return checkText("payload", p.Payload, 1, MaxQuickReplyPayloadLength)
	case "coupon_code":
		return checkText("coupon_code", p.CouponCode, 1, MaxCouponCodeLength)
	case "action":
		if p.Action == nil {
			return invalid("action", "is required for an action parameter", nil)
		}
	case "limited_time_offer":
		if p.Offer == nil {
			return invalid("limited_time_offer", "is required for a limited_time_offer parameter", nil)
		}
	case "product":
		if p.Product == nil {
			return invalid("product", "is required for a product parameter", nil)
		}
	}
	return nil
}

// paramTypesFor lists the parameter types a component takes.
func paramTypesFor(c *TemplateComponent) []string {
	switch c.Type {
	case ComponentHeader:
		return []string{"text", "image", "video", "document", "location", "product"}
	case ComponentBody:
		return []string{"text", "currency", "date_time"}
	case ComponentLimitedTimeOffer:
		return []string{"limited_time_offer"}
	}
	switch c.SubType {
	case ButtonQuickReply:
		return []string{"payload"}
	case ButtonURL, ButtonOTP:
		return []string{"text"}
	case ButtonCopyCode:
		return []string{"coupon_code"}
	case ButtonFlow, ButtonCatalog, ButtonMPM:
		return []string{"action"}
	}
	return []string{"text", "payload", "coupon_code", "action"}
}

// checkParamName checks a named parameter: lowercase letters, digits and
// underscores, starting with a letter.
func checkParamName(f, name string) error {
	if len(name) > 255 {
		return &ValidationError{Field: f, Reason: "must be at most 255 characters", Value: name, Rule: "template.variable.name"}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return &ValidationError{Field: f, Reason: "must be lowercase letters, digits and underscores, starting with a letter or underscore", Value: name, Rule: "template.variable.name"}
		}
	}
	return nil
}
