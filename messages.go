package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// Message limits from the Cloud API reference.
const (
	MaxTextBodyLength        = 4096 // text.body
	MaxCaptionLength         = 1024 // image, video and document captions
	MaxCallbackDataLength    = 512  // biz_opaque_callback_data
	MaxContactsPerMessage    = 257  // contacts per message
	MaxReplyButtons          = 3    // interactive reply buttons
	MaxButtonTitleLength     = 20   // reply button title
	MaxButtonIDLength        = 256  // reply button id
	MaxListRows              = 10   // rows in all sections of a list
	MaxListSections          = 10   // sections of a list
	MaxListRowIDLength       = 200  // list row id
	MaxListRowTitleLength    = 24   // list row title, section title
	MaxListRowDescLength     = 72   // list row description
	MaxListButtonLength      = 20   // list action button label
	MaxInteractiveBodyLength = 1024 // interactive body, except lists
	MaxListBodyLength        = 4096 // list message body
	MaxHeaderTextLength      = 60   // interactive header text
	MaxFooterLength          = 60   // interactive footer
	MaxCTADisplayTextLength  = 20   // cta_url display_text
	MaxFlowCTALength         = 30   // flow_cta (Meta's OpenAPI; some SDKs use 20)
	MaxProductListItems      = 30   // products in all sections of a product list
	MaxTemplateParamLength   = 32768
)

// MessageType values: the wire names of outbound and inbound message kinds.
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeVideo       = "video"
	TypeAudio       = "audio"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
	TypeReaction    = "reaction"
	TypeInteractive = "interactive"
	TypeTemplate    = "template"
)

// Message is one outbound message. To and Content are required.
type Message struct {
	// To is the recipient: a phone number in E.164 form ("+15551234567"),
	// a business-scoped user ID, or a group ID when RecipientType is
	// "group".
	To string
	// RecipientType is "individual" (the default when empty) or "group".
	RecipientType string
	// Content is what to send: Text, Image, Video, Audio, Document, Sticker,
	// Location, Contacts, Reaction, Interactive, Template, or RawContent.
	Content Content
	// ReplyTo is the id (wamid) of a message to quote. Not allowed on
	// reactions.
	ReplyTo string
	// CallbackData is echoed in this message's status webhooks
	// (biz_opaque_callback_data), at most 512 characters.
	CallbackData string
}

// Content is the body of a message: one of the kinds in this package.
// MessageType returns its wire name ("text", "image", ...). The interface is
// sealed; RawContent sends a kind this package does not model yet.
type Content interface {
	MessageType() string
	validate(field string) error
	fill(w *wireMessage)
}

// Validate checks every documented limit of the message and returns a
// *ValidationError naming the first offending field, or nil. Send calls it
// before any HTTP request.
func (m *Message) Validate() error {
	if m == nil {
		return invalid("", "message is nil", nil)
	}
	content, ok := contentValue(m.Content)
	if !ok {
		return invalid("type", "message has no content", nil)
	}
	switch m.RecipientType {
	case "", "individual":
		if err := checkRecipient("to", m.To); err != nil {
			return err
		}
	case "group":
		if err := checkID("to", m.To, 128); err != nil {
			return err
		}
	default:
		return invalid("recipient_type", "must be individual or group", m.RecipientType)
	}
	if m.ReplyTo != "" {
		if _, ok := content.(Reaction); ok {
			return invalid("context.message_id", "a reaction cannot quote a message", m.ReplyTo)
		}
		if err := checkID("context.message_id", m.ReplyTo, 512); err != nil {
			return err
		}
	}
	if err := checkText("biz_opaque_callback_data", m.CallbackData, 0, MaxCallbackDataLength); err != nil {
		return err
	}
	return content.validate(content.MessageType())
}

// contentValue returns c with a pointer to a content kind (&Text{...})
// replaced by the value it points to, and false when there is no content:
// c is nil or a nil pointer. Every kind's methods have value receivers, so
// a pointer satisfies Content too; the rest of the package works on values.
func contentValue(c Content) (Content, bool) {
	switch v := c.(type) {
	case nil:
		return nil, false
	case *Text:
		return derefContent(v)
	case *Image:
		return derefContent(v)
	case *Video:
		return derefContent(v)
	case *Audio:
		return derefContent(v)
	case *Document:
		return derefContent(v)
	case *Sticker:
		return derefContent(v)
	case *Location:
		return derefContent(v)
	case *Contacts:
		return derefContent(v)
	case *Reaction:
		return derefContent(v)
	case *Interactive:
		return derefContent(v)
	case *Template:
		return derefContent(v)
	case *RawContent:
		return derefContent(v)
	}
	return c, true
}

func derefContent[T Content](p *T) (Content, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

// wireMessage is the JSON body of POST /{phone-number-id}/messages.
type wireMessage struct {
	MessagingProduct string       `json:"messaging_product"`
	RecipientType    string       `json:"recipient_type"`
	To               string       `json:"to"`
	Type             string       `json:"type"`
	Context          *wireContext `json:"context,omitempty"`
	Text             *Text        `json:"text,omitempty"`
	Image            *Image       `json:"image,omitempty"`
	Video            *Video       `json:"video,omitempty"`
	Audio            *Audio       `json:"audio,omitempty"`
	Document         *Document    `json:"document,omitempty"`
	Sticker          *Sticker     `json:"sticker,omitempty"`
	Location         *Location    `json:"location,omitempty"`
	Contacts         Contacts     `json:"contacts,omitempty"`
	Reaction         *Reaction    `json:"reaction,omitempty"`
	Interactive      *Interactive `json:"interactive,omitempty"`
	Template         *Template    `json:"template,omitempty"`
	CallbackData     string       `json:"biz_opaque_callback_data,omitempty"`
	raw              *RawContent
}

type wireContext struct {
	MessageID string `json:"message_id"`
}

func (m *Message) wire() *wireMessage {
	w := &wireMessage{
		MessagingProduct: "whatsapp",
		RecipientType:    m.RecipientType,
		To:               m.To,
		CallbackData:     m.CallbackData,
	}
	if w.RecipientType == "" {
		w.RecipientType = "individual"
	}
	if m.ReplyTo != "" {
		w.Context = &wireContext{MessageID: m.ReplyTo}
	}
	if c, ok := contentValue(m.Content); ok {
		w.Type = c.MessageType()
		c.fill(w)
	}
	return w
}

// MarshalJSON encodes w, splicing in a RawContent's body under its type.
func (w *wireMessage) MarshalJSON() ([]byte, error) {
	type plain wireMessage // no methods: no recursion
	b, err := marshalJSON((*plain)(w))
	if err != nil || w.raw == nil {
		return b, err
	}
	key, _ := json.Marshal(w.raw.Type)
	var out bytes.Buffer
	out.Write(b[:len(b)-1])
	out.WriteByte(',')
	out.Write(key)
	out.WriteByte(':')
	if len(w.raw.Body) == 0 {
		out.WriteString("{}")
	} else if err := json.Compact(&out, w.raw.Body); err != nil {
		return nil, err
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// MarshalJSON encodes the message as the Cloud API's request body.
func (m Message) MarshalJSON() ([]byte, error) {
	w := m.wire()
	if w.raw != nil {
		return w.MarshalJSON()
	}
	type plain wireMessage
	return marshalJSON((*plain)(w))
}

// SendResult is the API's answer to an accepted message. Accepted is not
// delivered: delivery (or a failure such as 131047) arrives later as a
// status webhook carrying MessageID.
type SendResult struct {
	// MessageID is the message's id ("wamid.…"), the key of its statuses.
	MessageID string
	// WaID is the recipient's WhatsApp id as the API resolved it; it may
	// differ from the number sent.
	WaID string
	// Input is the recipient as sent.
	Input string
	// MessageStatus is "accepted", "held_for_quality_assessment" or "paused"
	// for template pacing; empty when the API does not say.
	MessageStatus string
	// GroupID is set for messages sent to a group.
	GroupID string
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
		GroupID       string `json:"group_id"`
	} `json:"messages"`
}

// sendGuard is a pre-send check installed by an option (WithGuard, a
// template registry, ...): reserve refuses a send that breaks a rule, or
// admits it and returns done (or nil), which learns how the send went so a
// failed send can give back what it reserved.
type sendGuard interface {
	reserve(ctx context.Context, phoneNumberID string, m *Message) (done func(*SendResult, error), err error)
}

// Send validates m and sends it from the business phone number
// phoneNumberID. It returns a *ValidationError (matching ErrInvalidMessage)
// before any HTTP call when m breaks a documented limit, the Guard's error
// when a Guard is installed and refuses the send, or an *APIError when the
// platform refuses it.
//
// Cloud API: POST /{phone-number-id}/messages.
func (c *Client) Send(ctx context.Context, phoneNumberID string, m Message) (*SendResult, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.Content, _ = contentValue(m.Content) // the guards see values
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	if len(c.guards) > 0 {
		return c.sendGuarded(ctx, phoneNumberID, seg, &m)
	}
	res, _, err := c.send1(ctx, seg, &m)
	return res, err
}

// sendGuarded runs every installed guard before the send, and tells each
// one that admitted the message how the send went.
func (c *Client) sendGuarded(ctx context.Context, phoneNumberID, seg string, m *Message) (*SendResult, error) {
	dones := make([]func(*SendResult, error), 0, len(c.guards))
	finish := func(res *SendResult, err error) {
		for i := len(dones) - 1; i >= 0; i-- {
			dones[i](res, err)
		}
	}
	for _, g := range c.guards {
		done, err := g.reserve(ctx, phoneNumberID, m)
		if err != nil {
			finish(nil, notSentError{err})
			return nil, err
		}
		if done != nil {
			dones = append(dones, done)
		}
	}
	res, sent, err := c.send1(ctx, seg, m)
	if err != nil && !sent {
		finish(nil, notSentError{err})
	} else {
		finish(res, err)
	}
	return res, err
}

// notSentError tells a guard's done callback that the send ended before any
// request left the process (another guard refused it, or a local check
// failed), so whatever the guard reserved can be given back. Callers of
// Send never see it.
type notSentError struct{ err error }

func (e notSentError) Error() string { return e.err.Error() }
func (e notSentError) Unwrap() error { return e.err }

func (c *Client) send1(ctx context.Context, seg string, m *Message) (*SendResult, bool, error) {
	var out sendResponse
	if sent, err := c.doSent(ctx, &request{method: http.MethodPost, path: seg + "/messages", json: m.wire()}, &out); err != nil {
		return nil, sent, err
	}
	res := &SendResult{}
	if len(out.Messages) > 0 {
		res.MessageID = out.Messages[0].ID
		res.MessageStatus = out.Messages[0].MessageStatus
		res.GroupID = out.Messages[0].GroupID
	}
	if len(out.Contacts) > 0 {
		res.WaID = out.Contacts[0].WaID
		res.Input = out.Contacts[0].Input
	}
	return res, true, nil
}

type readReceipt struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// MarkRead marks the inbound message messageID, and the earlier ones of its
// conversation, as read (blue ticks). Do it within 30 days of receipt.
//
// Cloud API: POST /{phone-number-id}/messages with status "read".
func (c *Client) MarkRead(ctx context.Context, phoneNumberID, messageID string) error {
	return c.markRead(ctx, phoneNumberID, messageID, false)
}

// SendTypingIndicator marks messageID as read and shows the user a typing
// indicator, which disappears when the business replies or after 25
// seconds. Show it only when a reply follows.
//
// Cloud API: POST /{phone-number-id}/messages with typing_indicator.
func (c *Client) SendTypingIndicator(ctx context.Context, phoneNumberID, messageID string) error {
	return c.markRead(ctx, phoneNumberID, messageID, true)
}

func (c *Client) markRead(ctx context.Context, phoneNumberID, messageID string, typing bool) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	if err := checkID("message_id", messageID, 512); err != nil {
		return err
	}
	body := readReceipt{MessagingProduct: "whatsapp", Status: "read", MessageID: messageID}
	if typing {
		body.TypingIndicator = &typingIndicator{Type: "text"}
	}
	return c.postSuccess(ctx, seg+"/messages", body)
}

// Text is a text message. PreviewURL asks WhatsApp to render a preview of
// the first http(s) URL in Body.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// MessageType returns "text".
func (Text) MessageType() string { return TypeText }

func (t Text) validate(f string) error {
	return within(f, checkText("body", t.Body, 1, MaxTextBodyLength))
}

func (t Text) fill(w *wireMessage) { w.Text = &t }

// media is what every media kind checks: exactly one of an uploaded media ID
// and an https link.
func checkMedia(f, id, link string) error {
	switch {
	case id == "" && link == "":
		return invalid(join(f, "id"), "one of id and link is required", nil)
	case id != "" && link != "":
		return invalid(join(f, "link"), "set id or link, not both", link)
	case id != "":
		return within(f, checkID("id", id, 256))
	}
	return within(f, checkURL("link", link, 2048, "https"))
}

// Image is an image message: JPEG or PNG, at most 5 MB, by uploaded media
// ID or https link.
type Image struct {
	ID      string `json:"id,omitempty"`
	Link    string `json:"link,omitempty"`
	Caption string `json:"caption,omitempty"`
}

// MessageType returns "image".
func (Image) MessageType() string { return TypeImage }

func (m Image) validate(f string) error {
	if err := checkMedia(f, m.ID, m.Link); err != nil {
		return err
	}
	return within(f, checkText("caption", m.Caption, 0, MaxCaptionLength))
}

func (m Image) fill(w *wireMessage) { w.Image = &m }

// Video is a video message: MP4 or 3GPP (H.264 and AAC), at most 16 MB.
type Video struct {
	ID      string `json:"id,omitempty"`
	Link    string `json:"link,omitempty"`
	Caption string `json:"caption,omitempty"`
}

// MessageType returns "video".
func (Video) MessageType() string { return TypeVideo }

func (m Video) validate(f string) error {
	if err := checkMedia(f, m.ID, m.Link); err != nil {
		return err
	}
	return within(f, checkText("caption", m.Caption, 0, MaxCaptionLength))
}

func (m Video) fill(w *wireMessage) { w.Video = &m }

// Audio is an audio message (AAC, AMR, MP3, M4A or OGG/Opus, at most 16 MB).
// Voice sends it as a voice note, which needs a mono OGG/Opus file. Audio
// has no caption.
type Audio struct {
	ID    string `json:"id,omitempty"`
	Link  string `json:"link,omitempty"`
	Voice bool   `json:"voice,omitempty"`
}

// MessageType returns "audio".
func (Audio) MessageType() string { return TypeAudio }

func (m Audio) validate(f string) error { return checkMedia(f, m.ID, m.Link) }

func (m Audio) fill(w *wireMessage) { w.Audio = &m }

// Document is a document message, at most 100 MB. Filename sets the name
// shown and the icon.
type Document struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// MessageType returns "document".
func (Document) MessageType() string { return TypeDocument }

func (m Document) validate(f string) error {
	if err := checkMedia(f, m.ID, m.Link); err != nil {
		return err
	}
	if err := checkText("caption", m.Caption, 0, MaxCaptionLength); err != nil {
		return within(f, err)
	}
	return within(f, checkText("filename", m.Filename, 0, 240))
}

func (m Document) fill(w *wireMessage) { w.Document = &m }

// Sticker is a sticker message: WebP, static at most 100 KB, animated at most
// 500 KB.
type Sticker struct {
	ID   string `json:"id,omitempty"`
	Link string `json:"link,omitempty"`
}

// MessageType returns "sticker".
func (Sticker) MessageType() string { return TypeSticker }

func (m Sticker) validate(f string) error { return checkMedia(f, m.ID, m.Link) }

func (m Sticker) fill(w *wireMessage) { w.Sticker = &m }

// Location is a location pin, in decimal degrees.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// MessageType returns "location".
func (Location) MessageType() string { return TypeLocation }

func (l Location) validate(f string) error {
	if err := checkFloat("latitude", l.Latitude, -90, 90); err != nil {
		return within(f, err)
	}
	if err := checkFloat("longitude", l.Longitude, -180, 180); err != nil {
		return within(f, err)
	}
	if err := checkText("name", l.Name, 0, 1000); err != nil {
		return within(f, err)
	}
	return within(f, checkText("address", l.Address, 0, 1000))
}

func (l Location) fill(w *wireMessage) { w.Location = &l }

// Reaction reacts to a message with an emoji. An empty Emoji removes the
// business's earlier reaction. The target must be at most 30 days old.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// MessageType returns "reaction".
func (Reaction) MessageType() string { return TypeReaction }

func (r Reaction) validate(f string) error {
	if err := checkID("message_id", r.MessageID, 512); err != nil {
		return within(f, err)
	}
	if r.Emoji == "" {
		return nil
	}
	n := 0
	for _, ch := range r.Emoji {
		n++
		if ch < 0x80 && ch != '#' && ch != '*' && (ch < '0' || ch > '9') {
			return invalid(join(f, "emoji"), "must be a single emoji", r.Emoji)
		}
	}
	if n > 10 {
		return invalid(join(f, "emoji"), "must be a single emoji", r.Emoji)
	}
	return nil
}

func (r Reaction) fill(w *wireMessage) { w.Reaction = &r }

// RawContent sends a message kind this package does not model yet: Body is
// sent as the value of the member named Type. Only Type is checked locally.
type RawContent struct {
	Type string
	Body json.RawMessage
}

// MessageType returns r.Type.
func (r RawContent) MessageType() string { return r.Type }

func (r RawContent) validate(string) error {
	if r.Type == "" {
		return invalid("type", "is required", nil)
	}
	for i := 0; i < len(r.Type); i++ {
		if c := r.Type[i]; !(c >= 'a' && c <= 'z' || c == '_') {
			return invalid("type", "must be lowercase letters and underscores", r.Type)
		}
	}
	if len(r.Body) > 0 && !json.Valid(r.Body) {
		return invalid(r.Type, "must be valid JSON", nil)
	}
	return nil
}

func (r RawContent) fill(w *wireMessage) { w.raw = &r }

// Contacts is a message of up to 257 contact cards.
type Contacts []Contact

// MessageType returns "contacts".
func (Contacts) MessageType() string { return TypeContacts }

func (cs Contacts) validate(f string) error {
	if err := checkCount(f, len(cs), 1, MaxContactsPerMessage); err != nil {
		return err
	}
	for i := range cs {
		if err := cs[i].validate(index(f, i)); err != nil {
			return err
		}
	}
	return nil
}

func (cs Contacts) fill(w *wireMessage) { w.Contacts = cs }

// Contact is a contact card, sent in a Contacts message and received in
// inbound contacts messages.
type Contact struct {
	Name      ContactName      `json:"name"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Org       ContactOrg       `json:"org,omitzero"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	// Birthday is "YYYY-MM-DD".
	Birthday string `json:"birthday,omitempty"`
}

// ContactName is a contact's name. FormattedName is required.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
}

// ContactPhone is a phone number of a contact. Type is e.g. "CELL", "HOME",
// "WORK"; WaID is the number's WhatsApp id, when known.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
}

// ContactEmail is an email address of a contact.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactAddress is a postal address of a contact.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactOrg is a contact's organisation.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactURL is a web address of a contact.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

func (c *Contact) validate(f string) error {
	if err := checkText("name.formatted_name", c.Name.FormattedName, 1, 1000); err != nil {
		return within(f, err)
	}
	for i, p := range c.Phones {
		if p.Phone == "" && p.WaID == "" {
			return invalid(index(join(f, "phones"), i)+".phone", "is required", nil)
		}
	}
	for i, e := range c.Emails {
		if e.Email == "" {
			return invalid(index(join(f, "emails"), i)+".email", "is required", nil)
		}
	}
	for i, u := range c.URLs {
		if u.URL == "" {
			return invalid(index(join(f, "urls"), i)+".url", "is required", nil)
		}
	}
	if c.Birthday != "" && !isISODate(c.Birthday) {
		return invalid(join(f, "birthday"), "must be YYYY-MM-DD", c.Birthday)
	}
	return nil
}

func isISODate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:7])
	d, err3 := strconv.Atoi(s[8:])
	return err1 == nil && err2 == nil && err3 == nil && y > 0 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}
