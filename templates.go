package whatsapp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the management model of message templates: the
// definition a business creates, Meta reviews, and the list, get, create
// and edit calls carry (templates_manage.go). The SEND side of a template
// (which values fill its variables) is Template, in template_message.go.

// MessageTemplate is a message template as the management API describes it:
// its name, language, category, review status and components. Fields this
// package does not model are kept in Extra, so nothing the API adds is lost.
//
// The same type is the input of CreateTemplate and EditTemplate; output
// fields (ID, Status, QualityScore, RejectedReason, PreviousCategory) are
// not sent.
type MessageTemplate struct {
	// ID is the template's id, e.g. "920070352646140".
	ID string `json:"id,omitempty"`
	// Name is the template's name: lowercase letters, digits and
	// underscores. One name may exist in several languages.
	Name string `json:"name,omitempty"`
	// Language is the template's locale code, e.g. "en_US".
	Language string `json:"language,omitempty"`
	// Status is the review status, e.g. TemplateStatusApproved.
	Status TemplateStatus `json:"status,omitempty"`
	// Category is MARKETING, UTILITY or AUTHENTICATION.
	Category TemplateCategory `json:"category,omitempty"`
	// PreviousCategory is the category before Meta recategorised the
	// template; legacy values (TRANSACTIONAL, OTP, ...) may appear.
	PreviousCategory TemplateCategory `json:"previous_category,omitempty"`
	// SubCategory refines the category, e.g. "ORDER_DETAILS".
	SubCategory string `json:"sub_category,omitempty"`
	// ParameterFormat is POSITIONAL ({{1}}, the default when empty) or
	// NAMED ({{first_name}}).
	ParameterFormat ParameterFormat `json:"parameter_format,omitempty"`
	// Components are the header, body, footer, buttons, carousel and
	// limited-time offer, in order.
	Components []MessageTemplateComponent `json:"components,omitempty"`
	// QualityScore is the template's quality as Meta last rated it.
	QualityScore TemplateQuality `json:"quality_score,omitzero"`
	// RejectedReason says why review rejected the template.
	RejectedReason RejectedReason `json:"rejected_reason,omitempty"`
	// MessageSendTTLSeconds is how long the platform keeps trying to
	// deliver a message of this template; 0 means the default.
	MessageSendTTLSeconds int `json:"message_send_ttl_seconds,omitempty"`
	// CTAURLLinkTrackingOptedOut turns off click tracking of URL buttons.
	CTAURLLinkTrackingOptedOut bool `json:"cta_url_link_tracking_opted_out,omitempty"`
	// LibraryTemplateName names the template library entry the template is
	// created from.
	LibraryTemplateName string `json:"library_template_name,omitempty"`
	// AllowCategoryChange lets Meta assign the category review finds right
	// instead of rejecting the template. Sent on create only.
	AllowCategoryChange bool `json:"allow_category_change,omitempty"`
	// Extra holds the members this package does not model, as they came.
	// They are sent back on create and edit.
	Extra map[string]json.RawMessage `json:"-"`
}

// TemplateStatus is the review status of a template. Values this package
// does not list are kept as they come.
type TemplateStatus string

// Template statuses (REST status values and the events of the
// message_template_status_update webhook). Only APPROVED can be sent.
const (
	TemplateStatusApproved        TemplateStatus = "APPROVED"
	TemplateStatusPending         TemplateStatus = "PENDING"
	TemplateStatusRejected        TemplateStatus = "REJECTED"
	TemplateStatusPaused          TemplateStatus = "PAUSED"
	TemplateStatusDisabled        TemplateStatus = "DISABLED"
	TemplateStatusInAppeal        TemplateStatus = "IN_APPEAL"
	TemplateStatusPendingDeletion TemplateStatus = "PENDING_DELETION"
	TemplateStatusDeleted         TemplateStatus = "DELETED"
	TemplateStatusLimitExceeded   TemplateStatus = "LIMIT_EXCEEDED"
	TemplateStatusArchived        TemplateStatus = "ARCHIVED"
	// Webhook-only events.
	TemplateStatusFlagged    TemplateStatus = "FLAGGED"
	TemplateStatusReinstated TemplateStatus = "REINSTATED"
	TemplateStatusUnarchived TemplateStatus = "UNARCHIVED"
	TemplateStatusLocked     TemplateStatus = "LOCKED"
	TemplateStatusUnlocked   TemplateStatus = "UNLOCKED"
)

// TemplateCategory is a template's category, which decides its price and
// the rules it follows. Values this package does not list are kept.
type TemplateCategory string

// Template categories. Legacy values may still appear in PreviousCategory.
const (
	TemplateCategoryMarketing      TemplateCategory = "MARKETING"
	TemplateCategoryUtility        TemplateCategory = "UTILITY"
	TemplateCategoryAuthentication TemplateCategory = "AUTHENTICATION"
)

// ParameterFormat says how a template's variables are written.
type ParameterFormat string

// Parameter formats.
const (
	// ParameterFormatPositional: {{1}}, {{2}}, ... (the default).
	ParameterFormatPositional ParameterFormat = "POSITIONAL"
	// ParameterFormatNamed: {{first_name}}, {{order_id}}, ...
	ParameterFormatNamed ParameterFormat = "NAMED"
)

// RejectedReason says why review rejected a template. Values this package
// does not list are kept.
type RejectedReason string

// Rejection reasons.
const (
	RejectedAbusiveContent       RejectedReason = "ABUSIVE_CONTENT"
	RejectedCategoryNotAvailable RejectedReason = "CATEGORY_NOT_AVAILABLE"
	RejectedIncorrectCategory    RejectedReason = "INCORRECT_CATEGORY"
	RejectedInvalidFormat        RejectedReason = "INVALID_FORMAT"
	RejectedNone                 RejectedReason = "NONE"
	RejectedPromotional          RejectedReason = "PROMOTIONAL"
	RejectedScam                 RejectedReason = "SCAM"
	RejectedTagContentMismatch   RejectedReason = "TAG_CONTENT_MISMATCH"
)

// TemplateQualityRating is a template's quality: GREEN, YELLOW, RED or
// UNKNOWN. Values this package does not list are kept.
type TemplateQualityRating string

// Template quality ratings.
const (
	TemplateQualityGreen   TemplateQualityRating = "GREEN"
	TemplateQualityYellow  TemplateQualityRating = "YELLOW"
	TemplateQualityRed     TemplateQualityRating = "RED"
	TemplateQualityUnknown TemplateQualityRating = "UNKNOWN"
)

// TemplateQuality is a template's quality_score object.
type TemplateQuality struct {
	// Score is the rating.
	Score TemplateQualityRating
	// Date is when the rating was given; zero when the API does not say.
	Date time.Time
	// Reasons explain the rating, when the API gives them.
	Reasons []string
}

type wireQuality struct {
	Score   TemplateQualityRating `json:"score,omitempty"`
	Date    json.Number           `json:"date,omitempty"`
	Reasons []string              `json:"reasons,omitempty"`
}

// MarshalJSON encodes the quality with its date in Unix seconds.
func (q TemplateQuality) MarshalJSON() ([]byte, error) {
	w := wireQuality{Score: q.Score, Reasons: q.Reasons}
	if !q.Date.IsZero() {
		w.Date = json.Number(strconv.FormatInt(q.Date.Unix(), 10))
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a quality_score object; a date that is not a
// number is ignored.
func (q *TemplateQuality) UnmarshalJSON(data []byte) error {
	var w wireQuality
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*q = TemplateQuality{Score: w.Score, Reasons: w.Reasons}
	if n, err := strconv.ParseInt(string(w.Date), 10, 64); err == nil && n > 0 {
		q.Date = time.Unix(n, 0).UTC()
	}
	return nil
}

// TemplateComponentType is the type of a template component: HEADER, BODY,
// FOOTER, BUTTONS, CAROUSEL or LIMITED_TIME_OFFER. Comparisons in this
// package ignore case, as the API does.
type TemplateComponentType string

// Template component types on the management side. (The send side uses the
// lowercase ComponentHeader, ComponentBody, ... constants.)
const (
	HeaderComponent           TemplateComponentType = "HEADER"
	BodyComponent             TemplateComponentType = "BODY"
	FooterComponent           TemplateComponentType = "FOOTER"
	ButtonsComponent          TemplateComponentType = "BUTTONS"
	CarouselComponent         TemplateComponentType = "CAROUSEL"
	LimitedTimeOfferComponent TemplateComponentType = "LIMITED_TIME_OFFER"
)

// HeaderFormat is the kind of a template header.
type HeaderFormat string

// Header formats.
const (
	HeaderFormatText     HeaderFormat = "TEXT"
	HeaderFormatImage    HeaderFormat = "IMAGE"
	HeaderFormatVideo    HeaderFormat = "VIDEO"
	HeaderFormatGIF      HeaderFormat = "GIF"
	HeaderFormatDocument HeaderFormat = "DOCUMENT"
	HeaderFormatLocation HeaderFormat = "LOCATION"
	HeaderFormatProduct  HeaderFormat = "PRODUCT"
)

// MessageTemplateComponent is one component of a template definition. Set
// Type and the fields that kind uses:
//
//   - HEADER: Format; Text and Example.HeaderText (or HeaderTextNamedParams)
//     for a TEXT header; Example.HeaderHandle (an upload handle) for IMAGE,
//     VIDEO, GIF and DOCUMENT headers; nothing else for LOCATION and PRODUCT.
//   - BODY: Text and Example.BodyText (or BodyTextNamedParams); for an
//     authentication template, AddSecurityRecommendation instead of Text.
//   - FOOTER: Text; for an authentication template, CodeExpirationMinutes.
//   - BUTTONS: Buttons.
//   - CAROUSEL: Cards.
//   - LIMITED_TIME_OFFER: LimitedTimeOffer.
type MessageTemplateComponent struct {
	// Type is the component's type.
	Type TemplateComponentType `json:"type"`
	// Format is the header's format (headers only).
	Format HeaderFormat `json:"format,omitempty"`
	// Text is the header, body or footer text, with variables such as {{1}}
	// or {{first_name}}.
	Text string `json:"text,omitempty"`
	// Example holds sample values of the variables and media handles that
	// review needs.
	Example TemplateExample `json:"example,omitzero"`
	// Buttons are the buttons of a BUTTONS component.
	Buttons []MessageTemplateButton `json:"buttons,omitempty"`
	// Cards are the cards of a CAROUSEL component.
	Cards []MessageTemplateCard `json:"cards,omitempty"`
	// LimitedTimeOffer describes a LIMITED_TIME_OFFER component.
	LimitedTimeOffer *LimitedTimeOffer `json:"limited_time_offer,omitempty"`
	// AddSecurityRecommendation adds "For your security, do not share this
	// code." to an authentication template's body.
	AddSecurityRecommendation bool `json:"add_security_recommendation,omitempty"`
	// CodeExpirationMinutes shows the code's lifetime in an authentication
	// template's footer (1 to 90).
	CodeExpirationMinutes int `json:"code_expiration_minutes,omitempty"`
	// Extra holds the members this package does not model.
	Extra map[string]json.RawMessage `json:"-"`
}

// TemplateExample holds the sample values review needs: one per variable,
// and a media handle for media headers.
type TemplateExample struct {
	// HeaderText holds the sample of a positional TEXT header's variable.
	HeaderText []string `json:"header_text,omitempty"`
	// HeaderHandle holds the upload handle of a media header's sample.
	HeaderHandle []string `json:"header_handle,omitempty"`
	// BodyText holds one row of samples of the body's positional
	// variables, in order: [][]string{{"Mark", "FALL25"}}.
	BodyText [][]string `json:"body_text,omitempty"`
	// HeaderTextNamedParams holds the sample of a named header variable.
	HeaderTextNamedParams []NamedExample `json:"header_text_named_params,omitempty"`
	// BodyTextNamedParams holds the samples of the body's named variables.
	BodyTextNamedParams []NamedExample `json:"body_text_named_params,omitempty"`
	// Extra holds the members this package does not model.
	Extra map[string]json.RawMessage `json:"-"`
}

// NamedExample is the sample value of one named variable.
type NamedExample struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// MessageTemplateCard is one card of a carousel template: its own header,
// body and buttons.
type MessageTemplateCard struct {
	Components []MessageTemplateComponent `json:"components"`
}

// LimitedTimeOffer is the offer of a limited-time offer template.
type LimitedTimeOffer struct {
	// Text is the offer's title, at most 16 characters.
	Text string `json:"text"`
	// HasExpiration shows the offer's expiry, sent with each message.
	HasExpiration bool `json:"has_expiration,omitempty"`
}

// ButtonType is the type of a template button. Values this package does
// not list are kept as they come.
type ButtonType string

// Template button types.
const (
	ButtonTypeQuickReply            ButtonType = "QUICK_REPLY"
	ButtonTypeURL                   ButtonType = "URL"
	ButtonTypePhoneNumber           ButtonType = "PHONE_NUMBER"
	ButtonTypeCopyCode              ButtonType = "COPY_CODE"
	ButtonTypeOTP                   ButtonType = "OTP"
	ButtonTypeFlow                  ButtonType = "FLOW"
	ButtonTypeCatalog               ButtonType = "CATALOG"
	ButtonTypeMPM                   ButtonType = "MPM"
	ButtonTypeSPM                   ButtonType = "SPM"
	ButtonTypeVoiceCall             ButtonType = "VOICE_CALL"
	ButtonTypeApp                   ButtonType = "APP"
	ButtonTypeCallPermissionRequest ButtonType = "CALL_PERMISSION_REQUEST"
	ButtonTypeRequestContactInfo    ButtonType = "REQUEST_CONTACT_INFO"
)

// OTPType is the kind of a one-time password button.
type OTPType string

// One-time password button kinds.
const (
	OTPCopyCode OTPType = "COPY_CODE"
	OTPOneTap   OTPType = "ONE_TAP"
	OTPZeroTap  OTPType = "ZERO_TAP"
)

// MessageTemplateButton is one button of a template definition. Set Type
// and the fields that kind uses:
//
//   - QUICK_REPLY: Text.
//   - URL: Text, URL (with at most one variable, at its end, e.g.
//     "https://example.com/track/{{1}}") and Example (the full sample URL).
//   - PHONE_NUMBER: Text, PhoneNumber.
//   - COPY_CODE: Example (the sample code, one value).
//   - OTP: OTPType; Text; AutofillText, PackageName and SignatureHash (or
//     SupportedApps) for ONE_TAP and ZERO_TAP; ZeroTapTermsAccepted for
//     ZERO_TAP.
//   - FLOW: Text and one of FlowID, FlowName or FlowJSON; FlowAction,
//     NavigateScreen, Icon.
//   - CATALOG, MPM, SPM: Text.
type MessageTemplateButton struct {
	Type        ButtonType
	Text        string
	URL         string
	PhoneNumber string
	// Example is the sample of the button's variable: the full URL of a
	// dynamic URL button, or the code of a COPY_CODE button (sent as a
	// plain string).
	Example []string

	OTPType              OTPType
	AutofillText         string
	PackageName          string
	SignatureHash        string
	ZeroTapTermsAccepted bool
	SupportedApps        []OTPSupportedApp

	FlowID         string
	FlowName       string
	FlowJSON       string
	FlowAction     string
	NavigateScreen string
	Icon           string

	// Extra holds the members this package does not model.
	Extra map[string]json.RawMessage
}

// OTPSupportedApp is an Android app that may receive a one-time password
// from a ONE_TAP or ZERO_TAP button.
type OTPSupportedApp struct {
	PackageName   string `json:"package_name"`
	SignatureHash string `json:"signature_hash"`
}

type wireButton struct {
	Type                 ButtonType        `json:"type"`
	Text                 string            `json:"text,omitempty"`
	URL                  string            `json:"url,omitempty"`
	PhoneNumber          string            `json:"phone_number,omitempty"`
	Example              json.RawMessage   `json:"example,omitempty"`
	OTPType              OTPType           `json:"otp_type,omitempty"`
	AutofillText         string            `json:"autofill_text,omitempty"`
	PackageName          string            `json:"package_name,omitempty"`
	SignatureHash        string            `json:"signature_hash,omitempty"`
	ZeroTapTermsAccepted bool              `json:"zero_tap_terms_accepted,omitempty"`
	SupportedApps        []OTPSupportedApp `json:"supported_apps,omitempty"`
	FlowID               string            `json:"flow_id,omitempty"`
	FlowName             string            `json:"flow_name,omitempty"`
	FlowJSON             string            `json:"flow_json,omitempty"`
	FlowAction           string            `json:"flow_action,omitempty"`
	NavigateScreen       string            `json:"navigate_screen,omitempty"`
	Icon                 string            `json:"icon,omitempty"`
}

// MarshalJSON encodes the button. A COPY_CODE button's example is a plain
// string on the wire; other examples are arrays.
func (b MessageTemplateButton) MarshalJSON() ([]byte, error) {
	w := wireButton{Type: b.Type, Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber,
		OTPType: b.OTPType, AutofillText: b.AutofillText, PackageName: b.PackageName,
		SignatureHash: b.SignatureHash, ZeroTapTermsAccepted: b.ZeroTapTermsAccepted,
		SupportedApps: b.SupportedApps, FlowID: b.FlowID, FlowName: b.FlowName, FlowJSON: b.FlowJSON,
		FlowAction: b.FlowAction, NavigateScreen: b.NavigateScreen, Icon: b.Icon}
	if len(b.Example) > 0 {
		var err error
		if b.Type.is(ButtonTypeCopyCode) && len(b.Example) == 1 {
			w.Example, err = marshalJSON(b.Example[0])
		} else {
			w.Example, err = marshalJSON(b.Example)
		}
		if err != nil {
			return nil, err
		}
	}
	out, err := marshalJSON(w)
	if err != nil {
		return nil, err
	}
	return mergeExtra(out, b.Extra), nil
}

// UnmarshalJSON decodes a button. The example may be a string or an array
// of strings; members this package does not model go to Extra.
func (b *MessageTemplateButton) UnmarshalJSON(data []byte) error {
	var w wireButton
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = MessageTemplateButton{Type: w.Type, Text: w.Text, URL: w.URL, PhoneNumber: w.PhoneNumber,
		OTPType: w.OTPType, AutofillText: w.AutofillText, PackageName: w.PackageName,
		SignatureHash: w.SignatureHash, ZeroTapTermsAccepted: w.ZeroTapTermsAccepted,
		SupportedApps: w.SupportedApps, FlowID: w.FlowID, FlowName: w.FlowName, FlowJSON: w.FlowJSON,
		FlowAction: w.FlowAction, NavigateScreen: w.NavigateScreen, Icon: w.Icon}
	if ex := bytes.TrimSpace(w.Example); len(ex) > 0 {
		switch ex[0] {
		case '"':
			var s string
			if err := json.Unmarshal(ex, &s); err == nil {
				b.Example = []string{s}
			}
		case '[':
			_ = json.Unmarshal(ex, &b.Example) // a shape we do not know stays in Extra
		}
		if b.Example == nil && string(ex) != "null" {
			if b.Extra == nil {
				b.Extra = map[string]json.RawMessage{}
			}
			b.Extra["example"] = bytes.Clone(ex)
		}
	}
	extra, err := unknownMembers(data, buttonKeys())
	if err != nil {
		return err
	}
	for k, v := range extra {
		if b.Extra == nil {
			b.Extra = map[string]json.RawMessage{}
		}
		b.Extra[k] = v
	}
	return nil
}

// MarshalJSON encodes the template with its Extra members.
func (t MessageTemplate) MarshalJSON() ([]byte, error) {
	type plain MessageTemplate
	b, err := marshalJSON(plain(t))
	if err != nil {
		return nil, err
	}
	return mergeExtra(b, t.Extra), nil
}

// UnmarshalJSON decodes a template; members this package does not model go
// to Extra. A numeric id (as template webhooks send it) is accepted.
func (t *MessageTemplate) UnmarshalJSON(data []byte) error {
	type plain MessageTemplate
	var p struct {
		plain
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*t = MessageTemplate(p.plain)
	t.ID = idString(p.ID)
	extra, err := unknownMembers(data, templateKeys())
	if err != nil {
		return err
	}
	t.Extra = extra
	return nil
}

// idString reads an id that may be a JSON string or number.
func idString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	return string(raw)
}

// MarshalJSON encodes the component with its Extra members.
func (c MessageTemplateComponent) MarshalJSON() ([]byte, error) {
	type plain MessageTemplateComponent
	b, err := marshalJSON(plain(c))
	if err != nil {
		return nil, err
	}
	return mergeExtra(b, c.Extra), nil
}

// UnmarshalJSON decodes a component; members this package does not model
// go to Extra.
func (c *MessageTemplateComponent) UnmarshalJSON(data []byte) error {
	type plain MessageTemplateComponent
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*c = MessageTemplateComponent(p)
	extra, err := unknownMembers(data, componentKeys())
	if err != nil {
		return err
	}
	c.Extra = extra
	return nil
}

// MarshalJSON encodes the example with its Extra members.
func (e TemplateExample) MarshalJSON() ([]byte, error) {
	type plain TemplateExample
	b, err := marshalJSON(plain(e))
	if err != nil {
		return nil, err
	}
	return mergeExtra(b, e.Extra), nil
}

// UnmarshalJSON decodes an example; members this package does not model go
// to Extra.
func (e *TemplateExample) UnmarshalJSON(data []byte) error {
	type plain TemplateExample
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*e = TemplateExample(p)
	extra, err := unknownMembers(data, exampleKeys())
	if err != nil {
		return err
	}
	e.Extra = extra
	return nil
}

// The JSON member names each model type knows, computed once from its
// struct tags.
var (
	templateKeys  = sync.OnceValue(func() map[string]bool { return jsonKeys(reflect.TypeFor[MessageTemplate]()) })
	componentKeys = sync.OnceValue(func() map[string]bool { return jsonKeys(reflect.TypeFor[MessageTemplateComponent]()) })
	exampleKeys   = sync.OnceValue(func() map[string]bool { return jsonKeys(reflect.TypeFor[TemplateExample]()) })
	buttonKeys    = sync.OnceValue(func() map[string]bool { return jsonKeys(reflect.TypeFor[wireButton]()) })
)

// jsonKeys returns the JSON member names of a struct type's fields.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys[name] = true
	}
	return keys
}

// unknownMembers returns the members of the JSON object data whose names
// known does not hold, or nil when there are none.
func unknownMembers(data []byte, known map[string]bool) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// mergeExtra adds the members of extra that obj (an encoded JSON object)
// does not already hold, in key order.
func mergeExtra(obj []byte, extra map[string]json.RawMessage) []byte {
	if len(extra) == 0 || len(obj) < 2 || obj[len(obj)-1] != '}' {
		return obj
	}
	var present map[string]json.RawMessage
	_ = json.Unmarshal(obj, &present)
	keys := make([]string, 0, len(extra))
	for k, v := range extra {
		if _, dup := present[k]; !dup && json.Valid(v) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return obj
	}
	slices.Sort(keys)
	out := append([]byte(nil), obj[:len(obj)-1]...)
	empty := len(present) == 0
	for _, k := range keys {
		if !empty {
			out = append(out, ',')
		}
		empty = false
		name, _ := json.Marshal(k)
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, bytes.TrimSpace(extra[k])...)
	}
	return append(out, '}')
}

// is reports whether two component types are the same, ignoring case.
func (t TemplateComponentType) is(u TemplateComponentType) bool {
	return strings.EqualFold(string(t), string(u))
}

// is reports whether two header formats are the same, ignoring case.
func (f HeaderFormat) is(g HeaderFormat) bool { return strings.EqualFold(string(f), string(g)) }

// is reports whether two button types are the same, ignoring case.
func (b ButtonType) is(c ButtonType) bool { return strings.EqualFold(string(b), string(c)) }

// is reports whether two categories are the same, ignoring case.
func (c TemplateCategory) is(d TemplateCategory) bool { return strings.EqualFold(string(c), string(d)) }

// named reports whether the template declares named parameters.
func (t *MessageTemplate) named() bool {
	return strings.EqualFold(string(t.ParameterFormat), string(ParameterFormatNamed))
}

// component returns the first component of type typ, or nil.
func (t *MessageTemplate) component(typ TemplateComponentType) *MessageTemplateComponent {
	for i := range t.Components {
		if t.Components[i].Type.is(typ) {
			return &t.Components[i]
		}
	}
	return nil
}

// Body returns the text of the template's body, or "".
func (t *MessageTemplate) Body() string {
	if c := t.component(BodyComponent); c != nil {
		return c.Text
	}
	return ""
}

// knownLanguages is the sorted list of template language codes the Cloud
// API documents.
var knownLanguages = [...]string{
	"af", "ar", "ar_AE", "ar_EG", "ar_LB", "ar_MA", "ar_QA", "ar_SA", "az", "bg", "bn", "ca", "cs",
	"da", "de", "el", "en", "en_AU", "en_CA", "en_GB", "en_IN", "en_US", "es", "es_AR", "es_CL",
	"es_CO", "es_ES", "es_MX", "es_PE", "es_VE", "et", "fa", "fi", "fil", "fr", "fr_BE", "fr_CA",
	"ga", "gu", "ha", "he", "hi", "hr", "hu", "id", "it", "ja", "ka", "kk", "kn", "ko", "ky_KG",
	"lo", "lt", "lv", "mk", "ml", "mr", "ms", "nb", "nl", "pa", "pl", "pt_BR", "pt_PT", "ro",
	"ru", "rw_RW", "sk", "sl", "sq", "sr", "sv", "sw", "ta", "te", "th", "tr", "uk", "ur", "uz",
	"vi", "zh_CN", "zh_HK", "zh_TW", "zu",
}

// IsKnownLanguage reports whether code (after NormalizeLanguage) is one of
// the template languages the Cloud API documents, e.g. "en_US" or "pt_BR".
func IsKnownLanguage(code string) bool {
	_, ok := slices.BinarySearch(knownLanguages[:], NormalizeLanguage(code))
	return ok
}

// TemplateLanguages returns the template language codes the Cloud API
// documents, sorted.
func TemplateLanguages() []string { return slices.Clone(knownLanguages[:]) }

// NormalizeLanguage returns a locale code in the form the Cloud API uses:
// "en-US", "en-us" and " EN_us " all become "en_US". Codes of another shape
// are returned trimmed but otherwise unchanged.
func NormalizeLanguage(code string) string {
	code = strings.TrimSpace(code)
	lang, region, ok := strings.Cut(code, "-")
	if !ok {
		lang, region, ok = strings.Cut(code, "_")
	}
	if len(lang) < 2 || len(lang) > 3 || !isASCIILetters(lang) || ok && (len(region) != 2 || !isASCIILetters(region)) {
		return code
	}
	if isLower(lang) && (!ok || isUpper(region)) && !strings.Contains(code, "-") {
		return code // already normal: no allocation
	}
	if !ok {
		return strings.ToLower(lang)
	}
	return strings.ToLower(lang) + "_" + strings.ToUpper(region)
}

func isASCIILetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
