package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Webhook change fields this package decodes into typed values. Any other
// field is kept raw in Change.Value.
const (
	FieldMessages                 = "messages"
	FieldTemplateStatusUpdate     = "message_template_status_update"
	FieldTemplateQualityUpdate    = "message_template_quality_update"
	FieldTemplateComponentsUpdate = "message_template_components_update"
	FieldTemplateCategoryUpdate   = "template_category_update"
	FieldPhoneNumberQualityUpdate = "phone_number_quality_update"
	FieldPhoneNumberNameUpdate    = "phone_number_name_update"
	FieldBusinessCapabilityUpdate = "business_capability_update"
	FieldAccountUpdate            = "account_update"
	FieldAccountAlerts            = "account_alerts"
	FieldAccountReviewUpdate      = "account_review_update"
	FieldUserPreferences          = "user_preferences"
	FieldSecurity                 = "security"
)

// WebhookObject is the object of every WhatsApp Business Account webhook.
const WebhookObject = "whatsapp_business_account"

// Errors of ParseNotification and VerifySignature. The handler passes them,
// wrapped in a *WebhookError, to WebhookConfig.OnError.
var (
	// ErrMalformedNotification matches every *ParseError: the body is not a
	// JSON object.
	ErrMalformedNotification = errors.New("whatsapp: malformed webhook notification")
	// ErrUnexpectedObject: the body's "object" is not
	// "whatsapp_business_account".
	ErrUnexpectedObject = errors.New("whatsapp: webhook object is not whatsapp_business_account")
	// ErrNoAppSecret: no app secret was given, so no signature can be
	// checked. It is a configuration error, never a pass.
	ErrNoAppSecret = errors.New("whatsapp: no app secret configured to verify webhook signatures")
	// ErrMissingSignature: the X-Hub-Signature-256 header is absent or
	// empty.
	ErrMissingSignature = errors.New("whatsapp: missing X-Hub-Signature-256 header")
	// ErrMalformedSignature: the header is not "sha256=" followed by 64 hex
	// digits.
	ErrMalformedSignature = errors.New("whatsapp: malformed X-Hub-Signature-256 header")
	// ErrInvalidSignature: the signature does not match the body under any
	// of the app secrets.
	ErrInvalidSignature = errors.New("whatsapp: webhook signature does not match the body")
)

// ParseError reports a body that is not valid JSON (or not an object). It
// matches ErrMalformedNotification with errors.Is.
type ParseError struct {
	// Offset is the byte offset in the body where decoding stopped.
	Offset int
	// Reason says what was wrong there.
	Reason string
}

// Error returns "whatsapp: malformed webhook notification: offset N: reason".
func (e *ParseError) Error() string {
	return ErrMalformedNotification.Error() + ": offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Unwrap returns ErrMalformedNotification.
func (e *ParseError) Unwrap() error { return ErrMalformedNotification }

// Notification is one webhook POST body: entries, each with changes. Use
// Messages, Statuses and Events to visit every item of every entry and
// change; a batch may hold up to 1,000 updates.
//
// A Notification marshals (json.Marshal) back to the wire shape, unknown
// members included, and ParseNotification of that reads back an equal
// value.
type Notification struct {
	// Object is "whatsapp_business_account".
	Object string
	// Entries are the body's "entry" items, one per account.
	Entries []Entry
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Entry is the changes of one WhatsApp Business Account.
type Entry struct {
	// ID is the WhatsApp Business Account id.
	ID string
	// Time is when the webhook was triggered; sent with management fields,
	// zero when absent.
	Time time.Time
	// Changes are the entry's changes.
	Changes []Change
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Change is one change of an entry. Field names the kind, and the member
// matching it holds the decoded value: Messages for "messages",
// TemplateStatus for "message_template_status_update", and so on. A field
// this package does not model, or a value that is not a JSON object, is
// kept in Value as received.
type Change struct {
	// Field is the change's field, e.g. "messages".
	Field string

	Messages           *MessagesValue            // "messages"
	TemplateStatus     *TemplateStatusUpdate     // "message_template_status_update"
	TemplateQuality    *TemplateQualityUpdate    // "message_template_quality_update"
	TemplateComponents *TemplateComponentsUpdate // "message_template_components_update"
	TemplateCategory   *TemplateCategoryUpdate   // "template_category_update"
	PhoneNumberQuality *PhoneNumberQualityUpdate // "phone_number_quality_update"
	PhoneNumberName    *PhoneNumberNameUpdate    // "phone_number_name_update"
	BusinessCapability *BusinessCapabilityUpdate // "business_capability_update"
	AccountUpdate      *AccountUpdate            // "account_update"
	AccountAlert       *AccountAlert             // "account_alerts"
	AccountReview      *AccountReviewUpdate      // "account_review_update"
	UserPreferences    *UserPreferencesValue     // "user_preferences"
	Security           *SecurityUpdate           // "security"

	// Value is the change's value as received, when no typed member holds
	// it (another field, such as "history" or "smb_message_echoes").
	Value json.RawMessage
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// Time is the entry's time.
	Time time.Time `json:"-"`
}

// ParseNotification decodes a webhook body. It fails only when the body is
// not a JSON object (a *ParseError, matching ErrMalformedNotification) or
// when its object is not "whatsapp_business_account" (ErrUnexpectedObject).
// Everything else decodes: unknown fields, message types, statuses and
// enum values are kept (Extra, Change.Value), a member of an unexpected type
// is kept raw instead of failing, ids sent as numbers become strings, and
// Unix timestamps (strings or numbers) become time.Time in UTC.
//
// Every item is linked to its context: messages and statuses carry their
// entry's account id and their change's phone number id and display number,
// messages their sender's profile name.
//
// ParseNotification does not check the signature: call VerifySignature on
// the same raw bytes first (NewWebhookHandler does both).
func ParseNotification(body []byte) (*Notification, error) {
	n := new(Notification)
	if err := n.unmarshal(body); err != nil {
		return nil, err
	}
	if n.Object != "" && n.Object != WebhookObject {
		return nil, fmt.Errorf("%w: got %q", ErrUnexpectedObject, truncate(n.Object, 64))
	}
	return n, nil
}

func (n *Notification) unmarshal(body []byte) error {
	r := jsonReader{data: body}
	*n = Notification{}
	if r.peek() != '{' {
		if r.pos >= len(body) {
			return &ParseError{Offset: r.pos, Reason: "empty body"}
		}
		return &ParseError{Offset: r.pos, Reason: "not a JSON object"}
	}
	n.decode(&r)
	if r.err == nil && r.peek() != 0 {
		r.fail("data after the top-level object")
	}
	if r.err != nil {
		return r.err
	}
	n.link()
	return nil
}

func (n *Notification) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "object":
			ok = r.str(&n.Object)
		case "entry":
			ok = decodeList(r, &n.Entries, &n.Extra, k)
		}
		r.field(&n.Extra, k, ok)
	})
}

func (e *Entry) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&e.ID)
		case "time":
			ok = r.unixTime(&e.Time)
		case "changes":
			ok = decodeList(r, &e.Changes, &e.Extra, k)
		}
		r.field(&e.Extra, k, ok)
	})
}

func (c *Change) decode(r *jsonReader) {
	valueStart, valueEnd := -1, -1
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "field":
			ok = r.str(&c.Field)
		case "value":
			// The value's type depends on the field, which may come after
			// it: note where it is and decode it at the end.
			r.peek()
			valueStart = r.pos
			r.skip()
			valueEnd = r.pos
			ok = true
		}
		r.field(&c.Extra, k, ok)
	})
	if r.err != nil || valueStart < 0 {
		return
	}
	sub := jsonReader{data: r.data[:valueEnd], pos: valueStart, depth: r.depth + 1}
	if !c.decodeValue(&sub) {
		c.Value = normalizeRaw(r.data[valueStart:valueEnd])
	}
	if sub.err != nil {
		r.err = sub.err
	}
}

// decodeValue decodes a change's value into the member matching its field.
// It reports false for an unknown field or a value that is not an object
// (or null), which the caller keeps raw.
func (c *Change) decodeValue(r *jsonReader) bool {
	if r.peek() != '{' {
		return false
	}
	switch c.Field {
	case FieldMessages:
		return decodePtr(r, &c.Messages)
	case FieldTemplateStatusUpdate:
		return decodePtr(r, &c.TemplateStatus)
	case FieldTemplateQualityUpdate:
		return decodePtr(r, &c.TemplateQuality)
	case FieldTemplateComponentsUpdate:
		return decodePtr(r, &c.TemplateComponents)
	case FieldTemplateCategoryUpdate:
		return decodePtr(r, &c.TemplateCategory)
	case FieldPhoneNumberQualityUpdate:
		return decodePtr(r, &c.PhoneNumberQuality)
	case FieldPhoneNumberNameUpdate:
		return decodePtr(r, &c.PhoneNumberName)
	case FieldBusinessCapabilityUpdate:
		return decodePtr(r, &c.BusinessCapability)
	case FieldAccountUpdate:
		return decodePtr(r, &c.AccountUpdate)
	case FieldAccountAlerts:
		return decodePtr(r, &c.AccountAlert)
	case FieldAccountReviewUpdate:
		return decodePtr(r, &c.AccountReview)
	case FieldUserPreferences:
		return decodePtr(r, &c.UserPreferences)
	case FieldSecurity:
		return decodePtr(r, &c.Security)
	}
	return false
}

// link copies each entry's and change's context into the items below it.
func (n *Notification) link() {
	for i := range n.Entries {
		e := &n.Entries[i]
		for j := range e.Changes {
			e.Changes[j].link(e.ID, e.Time)
		}
	}
}

func (c *Change) link(waba string, t time.Time) {
	c.WABAID, c.Time = waba, t
	switch {
	case c.Messages != nil:
		v := c.Messages
		for i := range v.Messages {
			m := &v.Messages[i]
			m.WABAID, m.PhoneNumberID, m.DisplayPhoneNumber = waba, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
			m.Sender = v.sender(m)
			m.ProfileName = ""
			if m.Sender != nil {
				m.ProfileName = m.Sender.Profile.Name
			}
		}
		for i := range v.Statuses {
			s := &v.Statuses[i]
			s.WABAID, s.PhoneNumberID, s.DisplayPhoneNumber = waba, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
		}
	case c.TemplateStatus != nil:
		c.TemplateStatus.WABAID, c.TemplateStatus.Time = waba, t
	case c.TemplateQuality != nil:
		c.TemplateQuality.WABAID, c.TemplateQuality.Time = waba, t
	case c.TemplateComponents != nil:
		c.TemplateComponents.WABAID, c.TemplateComponents.Time = waba, t
	case c.TemplateCategory != nil:
		c.TemplateCategory.WABAID, c.TemplateCategory.Time = waba, t
	case c.PhoneNumberQuality != nil:
		c.PhoneNumberQuality.WABAID, c.PhoneNumberQuality.Time = waba, t
	case c.PhoneNumberName != nil:
		c.PhoneNumberName.WABAID, c.PhoneNumberName.Time = waba, t
	case c.BusinessCapability != nil:
		c.BusinessCapability.WABAID, c.BusinessCapability.Time = waba, t
	case c.AccountUpdate != nil:
		c.AccountUpdate.WABAID, c.AccountUpdate.Time = waba, t
	case c.AccountAlert != nil:
		c.AccountAlert.WABAID, c.AccountAlert.Time = waba, t
	case c.AccountReview != nil:
		c.AccountReview.WABAID, c.AccountReview.Time = waba, t
	case c.Security != nil:
		c.Security.WABAID, c.Security.Time = waba, t
	case c.UserPreferences != nil:
		v := c.UserPreferences
		for i := range v.Preferences {
			p := &v.Preferences[i]
			p.WABAID, p.PhoneNumberID, p.DisplayPhoneNumber = waba, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
		}
	}
}

// sender finds the contact matching a message's sender: by WhatsApp id,
// then by business-scoped user id, else the only contact of the change.
func (v *MessagesValue) sender(m *InboundMessage) *WebhookContact {
	for i := range v.Contacts {
		c := &v.Contacts[i]
		if m.From != "" && c.WaID == m.From || m.FromUserID != "" && c.UserID == m.FromUserID {
			return c
		}
	}
	if len(v.Contacts) == 1 && m.Type != "system" {
		return &v.Contacts[0]
	}
	return nil
}

// Messages returns every inbound message of every entry and change, in
// order, each carrying its context (account, phone number, sender).
func (n *Notification) Messages() []*InboundMessage {
	var out []*InboundMessage
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			if v := n.Entries[i].Changes[j].Messages; v != nil {
				for k := range v.Messages {
					out = append(out, &v.Messages[k])
				}
			}
		}
	}
	return out
}

// Statuses returns every status update of every entry and change, in
// order, each carrying its context (account, phone number).
func (n *Notification) Statuses() []*Status {
	var out []*Status
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			if v := n.Entries[i].Changes[j].Messages; v != nil {
				if out == nil {
					out = make([]*Status, 0, len(v.Statuses))
				}
				for k := range v.Statuses {
					out = append(out, &v.Statuses[k])
				}
			}
		}
	}
	return out
}

// Events returns every change that is not a message or a status: each
// management change (template, phone number, account, user preference and
// security updates, and fields this package does not model), plus any
// "messages" change that carries errors of its own (MessagesValue.Errors)
// or whose value could not be typed (Value). Nothing of a notification is
// outside Messages, Statuses and Events.
func (n *Notification) Events() []*Change {
	var out []*Change
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			c := &n.Entries[i].Changes[j]
			if c.Field == FieldMessages && c.Messages != nil && len(c.Messages.Errors) == 0 {
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

// --- encoding ---

func (n *Notification) encode(w *jsonWriter) {
	w.open(n.Extra)
	w.str("object", n.Object)
	w.list("entry", len(n.Entries), func(i int) { n.Entries[i].encode(w) })
	w.close()
}

func (e *Entry) encode(w *jsonWriter) {
	w.open(e.Extra)
	w.str("id", e.ID)
	w.unixInt("time", e.Time)
	w.list("changes", len(e.Changes), func(i int) { e.Changes[i].encode(w) })
	w.close()
}

func (c *Change) encode(w *jsonWriter) {
	w.open(c.Extra)
	w.str("field", c.Field)
	switch {
	case c.Messages != nil:
		w.obj("value", func() { c.Messages.encode(w) })
	case c.TemplateStatus != nil:
		w.obj("value", func() { c.TemplateStatus.encode(w) })
	case c.TemplateQuality != nil:
		w.obj("value", func() { c.TemplateQuality.encode(w) })
	case c.TemplateComponents != nil:
		w.obj("value", func() { c.TemplateComponents.encode(w) })
	case c.TemplateCategory != nil:
		w.obj("value", func() { c.TemplateCategory.encode(w) })
	case c.PhoneNumberQuality != nil:
		w.obj("value", func() { c.PhoneNumberQuality.encode(w) })
	case c.PhoneNumberName != nil:
		w.obj("value", func() { c.PhoneNumberName.encode(w) })
	case c.BusinessCapability != nil:
		w.obj("value", func() { c.BusinessCapability.encode(w) })
	case c.AccountUpdate != nil:
		w.obj("value", func() { c.AccountUpdate.encode(w) })
	case c.AccountAlert != nil:
		w.obj("value", func() { c.AccountAlert.encode(w) })
	case c.AccountReview != nil:
		w.obj("value", func() { c.AccountReview.encode(w) })
	case c.UserPreferences != nil:
		w.obj("value", func() { c.UserPreferences.encode(w) })
	case c.Security != nil:
		w.obj("value", func() { c.Security.encode(w) })
	default:
		w.raw("value", c.Value)
	}
	w.close()
}

// encodable is implemented by the pointer types of the webhook model.
type encodable interface{ encode(w *jsonWriter) }

func marshalModel(v encodable) ([]byte, error) {
	var w jsonWriter
	v.encode(&w)
	return w.b, nil
}

// unmarshalModel decodes one JSON object into dst with the webhook decoder.
func unmarshalModel[T any, P decoder[T]](data []byte, dst *T) error {
	r := jsonReader{data: data}
	var zero T
	*dst = zero
	if !decodeValue[T, P](&r, dst) {
		if r.err == nil {
			return &ParseError{Offset: r.pos, Reason: "not a JSON object"}
		}
	}
	if r.err == nil && r.peek() != 0 {
		r.fail("data after the value")
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

// MarshalJSON encodes the notification in the webhook wire shape.
func (n Notification) MarshalJSON() ([]byte, error) { return marshalModel(&n) }

// UnmarshalJSON decodes a webhook body as ParseNotification does, without
// checking its object.
func (n *Notification) UnmarshalJSON(b []byte) error { return n.unmarshal(b) }

// MarshalJSON encodes the entry in the webhook wire shape.
func (e Entry) MarshalJSON() ([]byte, error) { return marshalModel(&e) }

// UnmarshalJSON decodes an entry as ParseNotification does.
func (e *Entry) UnmarshalJSON(b []byte) error {
	if err := unmarshalModel(b, e); err != nil {
		return err
	}
	for i := range e.Changes {
		e.Changes[i].link(e.ID, e.Time)
	}
	return nil
}

// MarshalJSON encodes the change in the webhook wire shape.
func (c Change) MarshalJSON() ([]byte, error) { return marshalModel(&c) }

// UnmarshalJSON decodes a change as ParseNotification does.
func (c *Change) UnmarshalJSON(b []byte) error {
	if err := unmarshalModel(b, c); err != nil {
		return err
	}
	c.link("", time.Time{})
	return nil
}

// MarshalJSON encodes the message in the webhook wire shape (without its
// context fields, which live in the enclosing change).
func (m InboundMessage) MarshalJSON() ([]byte, error) { return marshalModel(&m) }

// UnmarshalJSON decodes a message object of a webhook.
func (m *InboundMessage) UnmarshalJSON(b []byte) error { return unmarshalModel(b, m) }

// MarshalJSON encodes the status in the webhook wire shape (without its
// context fields, which live in the enclosing change).
func (s Status) MarshalJSON() ([]byte, error) { return marshalModel(&s) }

// UnmarshalJSON decodes a status object of a webhook.
func (s *Status) UnmarshalJSON(b []byte) error { return unmarshalModel(b, s) }

// MarshalJSON encodes the value in the webhook wire shape.
func (v MessagesValue) MarshalJSON() ([]byte, error) { return marshalModel(&v) }

// UnmarshalJSON decodes the value of a "messages" change.
func (v *MessagesValue) UnmarshalJSON(b []byte) error { return unmarshalModel(b, v) }

// MarshalJSON encodes the contact in the webhook wire shape.
func (c WebhookContact) MarshalJSON() ([]byte, error) { return marshalModel(&c) }

// UnmarshalJSON decodes a contacts item of a webhook.
func (c *WebhookContact) UnmarshalJSON(b []byte) error { return unmarshalModel(b, c) }

// MarshalJSON encodes the update in the webhook wire shape.
func (t TemplateStatusUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&t) }

// UnmarshalJSON decodes the value of a message_template_status_update.
func (t *TemplateStatusUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, t) }

// MarshalJSON encodes the update in the webhook wire shape.
func (t TemplateQualityUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&t) }

// UnmarshalJSON decodes the value of a message_template_quality_update.
func (t *TemplateQualityUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, t) }

// MarshalJSON encodes the update in the webhook wire shape.
func (t TemplateComponentsUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&t) }

// UnmarshalJSON decodes the value of a message_template_components_update.
func (t *TemplateComponentsUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, t) }

// MarshalJSON encodes the update in the webhook wire shape.
func (t TemplateCategoryUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&t) }

// UnmarshalJSON decodes the value of a template_category_update.
func (t *TemplateCategoryUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, t) }

// MarshalJSON encodes the update in the webhook wire shape.
func (p PhoneNumberQualityUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&p) }

// UnmarshalJSON decodes the value of a phone_number_quality_update.
func (p *PhoneNumberQualityUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, p) }

// MarshalJSON encodes the update in the webhook wire shape.
func (p PhoneNumberNameUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&p) }

// UnmarshalJSON decodes the value of a phone_number_name_update.
func (p *PhoneNumberNameUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, p) }

// MarshalJSON encodes the update in the webhook wire shape.
func (b BusinessCapabilityUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&b) }

// UnmarshalJSON decodes the value of a business_capability_update.
func (b *BusinessCapabilityUpdate) UnmarshalJSON(data []byte) error { return unmarshalModel(data, b) }

// MarshalJSON encodes the update in the webhook wire shape.
func (a AccountUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&a) }

// UnmarshalJSON decodes the value of an account_update.
func (a *AccountUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, a) }

// MarshalJSON encodes the alert in the webhook wire shape.
func (a AccountAlert) MarshalJSON() ([]byte, error) { return marshalModel(&a) }

// UnmarshalJSON decodes the value of an account_alerts change.
func (a *AccountAlert) UnmarshalJSON(b []byte) error { return unmarshalModel(b, a) }

// MarshalJSON encodes the update in the webhook wire shape.
func (a AccountReviewUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&a) }

// UnmarshalJSON decodes the value of an account_review_update.
func (a *AccountReviewUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, a) }

// MarshalJSON encodes the value in the webhook wire shape.
func (u UserPreferencesValue) MarshalJSON() ([]byte, error) { return marshalModel(&u) }

// UnmarshalJSON decodes the value of a user_preferences change.
func (u *UserPreferencesValue) UnmarshalJSON(b []byte) error { return unmarshalModel(b, u) }

// MarshalJSON encodes the update in the webhook wire shape.
func (s SecurityUpdate) MarshalJSON() ([]byte, error) { return marshalModel(&s) }

// UnmarshalJSON decodes the value of a security change.
func (s *SecurityUpdate) UnmarshalJSON(b []byte) error { return unmarshalModel(b, s) }

// --- signatures ---

// SignatureHeader is the header that carries a webhook's signature.
const SignatureHeader = "X-Hub-Signature-256"

// VerifySignature checks a webhook's X-Hub-Signature-256 header: header
// must be "sha256=" followed by the hex HMAC-SHA256 of the raw body bytes,
// keyed with the app secret. Pass the body exactly as received: a body
// decoded and encoded again (escaped slashes, non-ASCII text) no longer
// matches. The comparison takes constant time.
//
// It returns nil when the signature matches, ErrNoAppSecret for an empty
// secret, ErrMissingSignature, ErrMalformedSignature or ErrInvalidSignature.
// See VerifySignatureAny to accept several secrets during a rotation.
func VerifySignature(appSecret string, body []byte, header string) error {
	return verifySignature(body, header, appSecret, nil)
}

// VerifySignatureAny is VerifySignature accepting any of several app
// secrets, for a secret rotation: keep the old secret beside the new one
// until every sender uses the new one. Empty secrets are ignored; with none
// left it returns ErrNoAppSecret.
func VerifySignatureAny(body []byte, header string, appSecrets ...string) error {
	return verifySignature(body, header, "", appSecrets)
}

func verifySignature(body []byte, header, secret string, more []string) error {
	if secret == "" && !hasSecret(more) {
		return ErrNoAppSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrMissingSignature
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexSig) != 2*sha256.Size {
		return ErrMalformedSignature
	}
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(hexSig)); err != nil {
		return ErrMalformedSignature
	}
	match := 0
	if secret != "" {
		match |= checkMAC(secret, body, want[:])
	}
	for _, s := range more {
		if s != "" {
			// Every secret is tried, so the time taken does not tell which
			// one matched.
			match |= checkMAC(s, body, want[:])
		}
	}
	if match == 0 {
		return ErrInvalidSignature
	}
	return nil
}

func hasSecret(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return true
		}
	}
	return false
}

func checkMAC(secret string, body, want []byte) int {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	var sum [sha256.Size]byte
	if hmac.Equal(mac.Sum(sum[:0]), want) {
		return 1
	}
	return 0
}

// SignWebhook returns the X-Hub-Signature-256 header value for body under
// appSecret ("sha256=<hex>"), as Meta computes it. Tests and fake servers
// use it to send signed webhooks.
func SignWebhook(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
