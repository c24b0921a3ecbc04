package whatsapp

import (
	"encoding/json"
	"errors"
	"time"
)

// This file models the "messages" field of a webhook: inbound messages,
// statuses and their parts. Every type keeps the members it does not know in
// Extra (compact JSON by member name) and marshals back to the wire shape, so
// json.Marshal of a decoded value decodes to an equal value.

// WebhookContact is an item of a change's contacts array: the user a message
// came from (or whose preferences changed).
type WebhookContact struct {
	// Profile is the user's WhatsApp profile.
	Profile ContactProfile
	// WaID is the user's WhatsApp id, usually the phone number without "+".
	// It may be absent for users known only by a username.
	WaID string
	// UserID is the business-scoped user id (BSUID), e.g.
	// "US.13491208655302741918", when present.
	UserID string
	// IdentityKeyHash is the user's identity key hash, when the business
	// opted in to identity change checks.
	IdentityKeyHash string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ContactProfile is a user's WhatsApp profile.
type ContactProfile struct {
	// Name is the user's profile name.
	Name string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Metadata names the business phone number a change is about.
type Metadata struct {
	// DisplayPhoneNumber is the business number as displayed, e.g.
	// "15550783881".
	DisplayPhoneNumber string
	// PhoneNumberID is the business phone number id (PNID).
	PhoneNumberID string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// MessagesValue is the value of a "messages" change: inbound messages,
// statuses of sent messages, and errors about the account or app.
type MessagesValue struct {
	// MessagingProduct is always "whatsapp".
	MessagingProduct string
	// Metadata names the business phone number.
	Metadata Metadata
	// Contacts are the senders of Messages (absent for system messages).
	Contacts []WebhookContact
	// Messages are the inbound messages.
	Messages []InboundMessage
	// Statuses are the status updates of sent messages.
	Statuses []Status
	// Errors are system, app or account errors not tied to one message.
	Errors []*APIError
	// Extra holds members this type does not model, as received (for
	// example "groups" or "message_echoes").
	Extra map[string]json.RawMessage
}

// InboundMessage is a message a user sent to the business. Type names the
// content member that is set (Text for "text", Image for "image", ...); the
// content of a type this package does not model is kept in
// Extra[Type] (see RawContent).
type InboundMessage struct {
	// ID is the message id ("wamid...."). Deduplication keys on it.
	ID string
	// From is the sender's WhatsApp id (phone number). It may be empty for
	// users known only by a username; see FromUserID.
	From string
	// FromUserID is the sender's business-scoped user id, when present.
	FromUserID string
	// Timestamp is when the user sent the message.
	Timestamp time.Time
	// Type is the wire type: "text", "image", "audio", "video", "document",
	// "sticker", "location", "contacts", "interactive", "button",
	// "reaction", "order", "system", "request_welcome", "unsupported", or a
	// type this package does not know yet.
	Type string
	// Context is set when the message replies to (or was forwarded from, or
	// asks about a product of) another message.
	Context *MessageContext
	// Referral is set when the user came from a Click-to-WhatsApp ad or a
	// post.
	Referral *Referral

	Text        *InboundText        // type "text"
	Image       *InboundMedia       // type "image"
	Audio       *InboundMedia       // type "audio"
	Video       *InboundMedia       // type "video"
	Document    *InboundMedia       // type "document"
	Sticker     *InboundMedia       // type "sticker"
	Location    *InboundLocation    // type "location"
	Contacts    []Contact           // type "contacts" (unknown members of a card are not kept)
	Interactive *InboundInteractive // type "interactive": a reply button, list row or flow reply
	Button      *InboundButton      // type "button": a template quick-reply button
	Reaction    *InboundReaction    // type "reaction"
	Order       *Order              // type "order"
	System      *SystemChange       // type "system"
	Unsupported *Unsupported        // type "unsupported"

	// Errors explain why the platform could not deliver the content (type
	// "unsupported", or media that failed to download, e.g. 131052).
	Errors []*APIError
	// Extra holds members this type does not model, as received: the
	// content of unknown types ("edit", "revoke", ...), "group_id", ...
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry (not on the
	// wire inside the message).
	WABAID string `json:"-"`
	// PhoneNumberID is the business phone number the message was sent to
	// (from the change's metadata).
	PhoneNumberID string `json:"-"`
	// DisplayPhoneNumber is that number as displayed.
	DisplayPhoneNumber string `json:"-"`
	// ProfileName is the sender's profile name, from the change's contacts.
	ProfileName string `json:"-"`
	// Sender is the change's contact that matches the sender, or nil.
	Sender *WebhookContact `json:"-"`
}

// RawContent returns the content member of the message's type as received
// (for example the "edit" object of an "edit" message), for types this
// package does not model; nil when there is none.
func (m *InboundMessage) RawContent() json.RawMessage { return m.Extra[m.Type] }

// MessageContext describes the message an inbound message refers to.
type MessageContext struct {
	// From is the business number the original message came from.
	From string
	// ID is the id of the message replied to, or of the template whose
	// button was tapped.
	ID string
	// Forwarded is set when the message was forwarded (up to 5 times).
	Forwarded bool
	// FrequentlyForwarded is set when it was forwarded more than 5 times.
	FrequentlyForwarded bool
	// ReferredProduct is set when the user asked about a product through
	// "Message business".
	ReferredProduct *ReferredProduct
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ReferredProduct is the product a user asked about.
type ReferredProduct struct {
	CatalogID         string
	ProductRetailerID string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Referral describes the ad or post a user came from (Click-to-WhatsApp).
type Referral struct {
	SourceURL  string
	SourceID   string // the ad or post id
	SourceType string // "ad" or "post"
	Body       string
	Headline   string
	MediaType  string // "image" or "video"
	ImageURL   string
	VideoURL   string
	// ThumbnailURL is set for video ads.
	ThumbnailURL string
	// CTWAClickID is ctwa_clid, the ad click id (omitted for Status ads).
	CTWAClickID string
	// WelcomeMessage is the ad's greeting, when it has one.
	WelcomeMessage *WelcomeMessage
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// WelcomeMessage is a Click-to-WhatsApp ad's greeting.
type WelcomeMessage struct {
	Text string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundText is the content of a text message.
type InboundText struct {
	Body string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundMedia is the content of an image, audio, video, document or
// sticker message. Download it with the media id (or URL, when present).
type InboundMedia struct {
	// ID is the media id.
	ID       string
	MIMEType string
	// SHA256 is the file's hash, base64-encoded.
	SHA256   string
	Caption  string // image, video, document
	Filename string // document
	// URL is a download URL, sent with inbound media since late 2025.
	URL string
	// Voice reports an audio message recorded as a voice note.
	Voice bool
	// Animated reports an animated sticker.
	Animated bool
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundLocation is the content of a location message.
type InboundLocation struct {
	Latitude  float64
	Longitude float64
	Name      string
	Address   string
	URL       string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundInteractive is the user's answer to an interactive message. Type is
// "button_reply", "list_reply" or "nfm_reply" (a flow's response).
type InboundInteractive struct {
	Type        string
	ButtonReply *ButtonReply
	ListReply   *ListReply
	NFMReply    *NFMReply
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ButtonReply is the reply button the user tapped.
type ButtonReply struct {
	ID    string
	Title string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ListReply is the list row the user chose.
type ListReply struct {
	ID          string
	Title       string
	Description string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// NFMReply is a flow's completion: ResponseJSON is the flow's response, a
// JSON document in a string.
type NFMReply struct {
	ResponseJSON string
	Body         string
	Name         string // "flow"
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundButton is a template quick-reply button the user tapped; the
// message's Context.ID is the template message.
type InboundButton struct {
	Payload string
	Text    string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// InboundReaction is a reaction to a message; Emoji is empty when the user
// removed the reaction.
type InboundReaction struct {
	MessageID string
	Emoji     string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Order is a cart the user sent from a catalog.
type Order struct {
	CatalogID    string
	Text         string
	ProductItems []OrderItem
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// OrderItem is one line of an Order.
type OrderItem struct {
	ProductRetailerID string
	Quantity          int
	ItemPrice         float64
	Currency          string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// SystemChange is the content of a system message: the user changed number
// (Type "user_changed_number"; WaID is the new id) or identity.
type SystemChange struct {
	Body string
	// WaID is the user's new WhatsApp id.
	WaID string
	Type string
	// NewWaID is new_wa_id, sent by older versions instead of WaID.
	NewWaID string
	// Customer is the user the change is about (older versions).
	Customer string
	// Identity is the new identity hash (customer_identity_changed).
	Identity string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Unsupported names the kind of a message the Cloud API cannot deliver
// (e.g. "poll_creation", "edit", "gif").
type Unsupported struct {
	Type string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Status is a status update of a message the business sent: "sent",
// "delivered", "read", "played" (a voice message's first play) or "failed",
// or a status this package does not know yet. A failed status carries the
// reason in Errors, so errors.Is(status.Err(), ErrWindowClosed) works.
type Status struct {
	// ID is the id of the message the status is about.
	ID string
	// Status is the wire status.
	Status string
	// Timestamp is when the status changed.
	Timestamp time.Time
	// RecipientID is the recipient's WhatsApp id (or a group id).
	RecipientID string
	// RecipientUserID is the recipient's business-scoped user id, when
	// present.
	RecipientUserID string
	// RecipientType is "group" for group messages, else empty.
	RecipientType string
	// RecipientParticipantID is the group participant, for group messages.
	RecipientParticipantID string
	// RecipientIdentityKeyHash is the recipient's identity key hash, when
	// present.
	RecipientIdentityKeyHash string
	// CallbackData is biz_opaque_callback_data, echoed from the send.
	CallbackData string
	// Conversation is the conversation (or free entry point window) the
	// message belongs to, when present.
	Conversation *Conversation
	// Pricing says how the message is billed, when present.
	Pricing *Pricing
	// Errors explain a failed status.
	Errors []*APIError
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage

	// WABAID is the WhatsApp Business Account id of the entry.
	WABAID string `json:"-"`
	// PhoneNumberID is the business phone number that sent the message.
	PhoneNumberID string `json:"-"`
	// DisplayPhoneNumber is that number as displayed.
	DisplayPhoneNumber string `json:"-"`
}

// Err returns the status's errors joined (errors.Join), or nil when there
// are none. errors.Is matches the sentinels of every code in it.
func (s *Status) Err() error {
	switch len(s.Errors) {
	case 0:
		return nil
	case 1:
		if s.Errors[0] == nil {
			return nil
		}
		return s.Errors[0]
	}
	errs := make([]error, 0, len(s.Errors))
	for _, e := range s.Errors {
		if e != nil {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// Conversation is a status's conversation.
type Conversation struct {
	ID string
	// ExpirationTimestamp is when the conversation (or window) ends; sent
	// with "sent" statuses only.
	ExpirationTimestamp time.Time
	// Origin is the conversation's category.
	Origin ConversationOrigin
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// ConversationOrigin is a conversation's category: Type is
// "authentication", "authentication_international", "marketing",
// "marketing_lite", "referral_conversion", "service" or "utility".
type ConversationOrigin struct {
	Type string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// Pricing says how a message is billed.
type Pricing struct {
	// Billable is deprecated by the platform: derive it from Type and
	// Category.
	Billable bool
	// PricingModel is "PMP" (per-message pricing) or "CBP" (conversation
	// based, before 2025-07-01).
	PricingModel string
	// Type is "regular", "free_customer_service" or "free_entry_point".
	Type string
	// Category is the billing category, e.g. "marketing", "utility",
	// "authentication", "service", "referral_conversion".
	Category string
	// Extra holds members this type does not model, as received.
	Extra map[string]json.RawMessage
}

// --- decoding ---

func (c *ContactProfile) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "name" {
			ok = r.str(&c.Name)
		}
		r.field(&c.Extra, k, ok)
	})
}

func (c *WebhookContact) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "profile":
			ok = decodeValue(r, &c.Profile)
		case "wa_id":
			ok = r.str(&c.WaID)
		case "user_id":
			ok = r.str(&c.UserID)
		case "identity_key_hash":
			ok = r.str(&c.IdentityKeyHash)
		}
		r.field(&c.Extra, k, ok)
	})
}

func (m *Metadata) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "display_phone_number":
			ok = r.str(&m.DisplayPhoneNumber)
		case "phone_number_id":
			ok = r.str(&m.PhoneNumberID)
		}
		r.field(&m.Extra, k, ok)
	})
}

func (v *MessagesValue) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "messaging_product":
			ok = r.str(&v.MessagingProduct)
		case "metadata":
			ok = decodeValue(r, &v.Metadata)
		case "contacts":
			ok = decodeList(r, &v.Contacts, &v.Extra, k)
		case "messages":
			ok = decodeList(r, &v.Messages, &v.Extra, k)
		case "statuses":
			ok = decodeList(r, &v.Statuses, &v.Extra, k)
		case "errors":
			ok = r.apiErrors(&v.Errors, &v.Extra, k)
		}
		r.field(&v.Extra, k, ok)
	})
}

// apiErrors reads an errors array with APIError's own decoding. An element
// it cannot decode keeps the whole array raw in *extra too.
func (r *jsonReader) apiErrors(dst *[]*APIError, extra *map[string]json.RawMessage, key []byte) bool {
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
	var out []*APIError
	r.array(func() {
		r.peek()
		s := r.pos
		r.skip()
		if r.err != nil {
			return
		}
		e := new(APIError)
		if r.data[s] != '{' || e.UnmarshalJSON(r.data[s:r.pos]) != nil {
			odd = true
			return
		}
		out = append(out, e)
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

func (m *InboundMessage) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&m.ID)
		case "from":
			ok = r.str(&m.From)
		case "from_user_id":
			ok = r.str(&m.FromUserID)
		case "timestamp":
			ok = r.unixTime(&m.Timestamp)
		case "type":
			ok = r.str(&m.Type)
		case "context":
			ok = decodePtr(r, &m.Context)
		case "referral":
			ok = decodePtr(r, &m.Referral)
		case "text":
			ok = decodePtr(r, &m.Text)
		case "image":
			ok = decodePtr(r, &m.Image)
		case "audio":
			ok = decodePtr(r, &m.Audio)
		case "video":
			ok = decodePtr(r, &m.Video)
		case "document":
			ok = decodePtr(r, &m.Document)
		case "sticker":
			ok = decodePtr(r, &m.Sticker)
		case "location":
			ok = decodePtr(r, &m.Location)
		case "contacts":
			ok = r.contactCards(&m.Contacts)
		case "interactive":
			ok = decodePtr(r, &m.Interactive)
		case "button":
			ok = decodePtr(r, &m.Button)
		case "reaction":
			ok = decodePtr(r, &m.Reaction)
		case "order":
			ok = decodePtr(r, &m.Order)
		case "system":
			ok = decodePtr(r, &m.System)
		case "unsupported":
			ok = decodePtr(r, &m.Unsupported)
		case "errors":
			ok = r.apiErrors(&m.Errors, &m.Extra, k)
		}
		r.field(&m.Extra, k, ok)
	})
}

// contactCards reads a contacts message's cards with encoding/json into the
// outbound Contact type. A value that does not fit reports false (and is
// kept raw by the caller).
func (r *jsonReader) contactCards(dst *[]Contact) bool {
	if r.null() {
		*dst = nil
		return true
	}
	if r.peek() != '[' {
		*dst = nil
		return false
	}
	start := r.pos
	r.skip()
	if r.err != nil {
		return true
	}
	var cs []Contact
	if json.Unmarshal(r.data[start:r.pos], &cs) != nil {
		r.pos = start
		*dst = nil
		return false
	}
	*dst = cs
	return true
}

func (c *MessageContext) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "from":
			ok = r.str(&c.From)
		case "id":
			ok = r.str(&c.ID)
		case "forwarded":
			ok = r.boolean(&c.Forwarded)
		case "frequently_forwarded":
			ok = r.boolean(&c.FrequentlyForwarded)
		case "referred_product":
			ok = decodePtr(r, &c.ReferredProduct)
		}
		r.field(&c.Extra, k, ok)
	})
}

func (p *ReferredProduct) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "catalog_id":
			ok = r.str(&p.CatalogID)
		case "product_retailer_id":
			ok = r.str(&p.ProductRetailerID)
		}
		r.field(&p.Extra, k, ok)
	})
}

func (f *Referral) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "source_url":
			ok = r.str(&f.SourceURL)
		case "source_id":
			ok = r.str(&f.SourceID)
		case "source_type":
			ok = r.str(&f.SourceType)
		case "body":
			ok = r.str(&f.Body)
		case "headline":
			ok = r.str(&f.Headline)
		case "media_type":
			ok = r.str(&f.MediaType)
		case "image_url":
			ok = r.str(&f.ImageURL)
		case "video_url":
			ok = r.str(&f.VideoURL)
		case "thumbnail_url":
			ok = r.str(&f.ThumbnailURL)
		case "ctwa_clid":
			ok = r.str(&f.CTWAClickID)
		case "welcome_message":
			ok = decodePtr(r, &f.WelcomeMessage)
		}
		r.field(&f.Extra, k, ok)
	})
}

func (w *WelcomeMessage) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "text" {
			ok = r.str(&w.Text)
		}
		r.field(&w.Extra, k, ok)
	})
}

func (t *InboundText) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "body" {
			ok = r.str(&t.Body)
		}
		r.field(&t.Extra, k, ok)
	})
}

func (m *InboundMedia) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&m.ID)
		case "mime_type":
			ok = r.str(&m.MIMEType)
		case "sha256":
			ok = r.str(&m.SHA256)
		case "caption":
			ok = r.str(&m.Caption)
		case "filename":
			ok = r.str(&m.Filename)
		case "url":
			ok = r.str(&m.URL)
		case "voice":
			ok = r.boolean(&m.Voice)
		case "animated":
			ok = r.boolean(&m.Animated)
		}
		r.field(&m.Extra, k, ok)
	})
}

func (l *InboundLocation) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "latitude":
			ok = r.float(&l.Latitude)
		case "longitude":
			ok = r.float(&l.Longitude)
		case "name":
			ok = r.str(&l.Name)
		case "address":
			ok = r.str(&l.Address)
		case "url":
			ok = r.str(&l.URL)
		}
		r.field(&l.Extra, k, ok)
	})
}

func (i *InboundInteractive) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "type":
			ok = r.str(&i.Type)
		case "button_reply":
			ok = decodePtr(r, &i.ButtonReply)
		case "list_reply":
			ok = decodePtr(r, &i.ListReply)
		case "nfm_reply":
			ok = decodePtr(r, &i.NFMReply)
		}
		r.field(&i.Extra, k, ok)
	})
}

func (b *ButtonReply) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&b.ID)
		case "title":
			ok = r.str(&b.Title)
		}
		r.field(&b.Extra, k, ok)
	})
}

func (l *ListReply) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&l.ID)
		case "title":
			ok = r.str(&l.Title)
		case "description":
			ok = r.str(&l.Description)
		}
		r.field(&l.Extra, k, ok)
	})
}

func (n *NFMReply) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "response_json":
			ok = r.str(&n.ResponseJSON)
		case "body":
			ok = r.str(&n.Body)
		case "name":
			ok = r.str(&n.Name)
		}
		r.field(&n.Extra, k, ok)
	})
}

func (b *InboundButton) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "payload":
			ok = r.str(&b.Payload)
		case "text":
			ok = r.str(&b.Text)
		}
		r.field(&b.Extra, k, ok)
	})
}

func (x *InboundReaction) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "message_id":
			ok = r.str(&x.MessageID)
		case "emoji":
			ok = r.str(&x.Emoji)
		}
		r.field(&x.Extra, k, ok)
	})
}

func (o *Order) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "catalog_id":
			ok = r.str(&o.CatalogID)
		case "text":
			ok = r.str(&o.Text)
		case "product_items":
			ok = decodeList(r, &o.ProductItems, &o.Extra, k)
		}
		r.field(&o.Extra, k, ok)
	})
}

func (it *OrderItem) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "product_retailer_id":
			ok = r.str(&it.ProductRetailerID)
		case "quantity":
			ok = r.intField(&it.Quantity)
		case "item_price":
			ok = r.float(&it.ItemPrice)
		case "currency":
			ok = r.str(&it.Currency)
		}
		r.field(&it.Extra, k, ok)
	})
}

func (s *SystemChange) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "body":
			ok = r.str(&s.Body)
		case "wa_id":
			ok = r.str(&s.WaID)
		case "type":
			ok = r.str(&s.Type)
		case "new_wa_id":
			ok = r.str(&s.NewWaID)
		case "customer":
			ok = r.str(&s.Customer)
		case "identity":
			ok = r.str(&s.Identity)
		}
		r.field(&s.Extra, k, ok)
	})
}

func (u *Unsupported) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "type" {
			ok = r.str(&u.Type)
		}
		r.field(&u.Extra, k, ok)
	})
}

func (s *Status) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&s.ID)
		case "status":
			ok = r.str(&s.Status)
		case "timestamp":
			ok = r.unixTime(&s.Timestamp)
		case "recipient_id":
			ok = r.str(&s.RecipientID)
		case "recipient_user_id":
			ok = r.str(&s.RecipientUserID)
		case "recipient_type":
			ok = r.str(&s.RecipientType)
		case "recipient_participant_id":
			ok = r.str(&s.RecipientParticipantID)
		case "recipient_identity_key_hash":
			ok = r.str(&s.RecipientIdentityKeyHash)
		case "biz_opaque_callback_data":
			ok = r.str(&s.CallbackData)
		case "conversation":
			ok = decodePtr(r, &s.Conversation)
		case "pricing":
			ok = decodePtr(r, &s.Pricing)
		case "errors":
			ok = r.apiErrors(&s.Errors, &s.Extra, k)
		}
		r.field(&s.Extra, k, ok)
	})
}

func (c *Conversation) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "id":
			ok = r.str(&c.ID)
		case "expiration_timestamp":
			ok = r.unixTime(&c.ExpirationTimestamp)
		case "origin":
			ok = decodeValue(r, &c.Origin)
		}
		r.field(&c.Extra, k, ok)
	})
}

func (o *ConversationOrigin) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		if string(k) == "type" {
			ok = r.str(&o.Type)
		}
		r.field(&o.Extra, k, ok)
	})
}

func (p *Pricing) decode(r *jsonReader) {
	r.object(func(k []byte) {
		var ok bool
		switch string(k) {
		case "billable":
			ok = r.boolean(&p.Billable)
		case "pricing_model":
			ok = r.str(&p.PricingModel)
		case "type":
			ok = r.str(&p.Type)
		case "category":
			ok = r.str(&p.Category)
		}
		r.field(&p.Extra, k, ok)
	})
}

// --- encoding ---

func (c *ContactProfile) encode(w *jsonWriter) {
	w.open(c.Extra)
	w.str("name", c.Name)
	w.close()
}

func (c *WebhookContact) encode(w *jsonWriter) {
	w.open(c.Extra)
	if c.Profile.Name != "" || len(c.Profile.Extra) > 0 {
		w.obj("profile", func() { c.Profile.encode(w) })
	}
	w.str("wa_id", c.WaID)
	w.str("user_id", c.UserID)
	w.str("identity_key_hash", c.IdentityKeyHash)
	w.close()
}

func (m *Metadata) encode(w *jsonWriter) {
	w.open(m.Extra)
	w.str("display_phone_number", m.DisplayPhoneNumber)
	w.str("phone_number_id", m.PhoneNumberID)
	w.close()
}

func (m *Metadata) isZero() bool {
	return m.DisplayPhoneNumber == "" && m.PhoneNumberID == "" && len(m.Extra) == 0
}

func (v *MessagesValue) encode(w *jsonWriter) {
	w.open(v.Extra)
	w.str("messaging_product", v.MessagingProduct)
	if !v.Metadata.isZero() {
		w.obj("metadata", func() { v.Metadata.encode(w) })
	}
	w.list("contacts", len(v.Contacts), func(i int) { v.Contacts[i].encode(w) })
	w.list("messages", len(v.Messages), func(i int) { v.Messages[i].encode(w) })
	w.list("statuses", len(v.Statuses), func(i int) { v.Statuses[i].encode(w) })
	w.apiErrors("errors", v.Errors)
	w.close()
}

func (w *jsonWriter) apiErrors(k string, errs []*APIError) {
	w.list(k, len(errs), func(i int) {
		e := errs[i]
		if e == nil {
			e = &APIError{}
		}
		b, _ := e.MarshalJSON()
		w.b = append(w.b, b...)
	})
}

func (m *InboundMessage) encode(w *jsonWriter) {
	w.open(m.Extra)
	w.str("from", m.From)
	w.str("from_user_id", m.FromUserID)
	w.str("id", m.ID)
	w.unixString("timestamp", m.Timestamp)
	w.str("type", m.Type)
	if m.Context != nil {
		w.obj("context", func() { m.Context.encode(w) })
	}
	if m.Referral != nil {
		w.obj("referral", func() { m.Referral.encode(w) })
	}
	if m.Text != nil {
		w.obj("text", func() { m.Text.encode(w) })
	}
	for _, media := range [...]struct {
		k string
		v *InboundMedia
	}{{"image", m.Image}, {"audio", m.Audio}, {"video", m.Video}, {"document", m.Document}, {"sticker", m.Sticker}} {
		if media.v != nil {
			w.obj(media.k, func() { media.v.encode(w) })
		}
	}
	if m.Location != nil {
		w.obj("location", func() { m.Location.encode(w) })
	}
	if m.Contacts != nil && w.key("contacts") {
		b, err := json.Marshal(m.Contacts)
		if err != nil {
			b = []byte("[]")
		}
		w.b = append(w.b, b...)
	}
	if m.Interactive != nil {
		w.obj("interactive", func() { m.Interactive.encode(w) })
	}
	if m.Button != nil {
		w.obj("button", func() { m.Button.encode(w) })
	}
	if m.Reaction != nil {
		w.obj("reaction", func() { m.Reaction.encode(w) })
	}
	if m.Order != nil {
		w.obj("order", func() { m.Order.encode(w) })
	}
	if m.System != nil {
		w.obj("system", func() { m.System.encode(w) })
	}
	if m.Unsupported != nil {
		w.obj("unsupported", func() { m.Unsupported.encode(w) })
	}
	w.apiErrors("errors", m.Errors)
	w.close()
}

func (c *MessageContext) encode(w *jsonWriter) {
	w.open(c.Extra)
	w.str("from", c.From)
	w.str("id", c.ID)
	w.boolean("forwarded", c.Forwarded)
	w.boolean("frequently_forwarded", c.FrequentlyForwarded)
	if c.ReferredProduct != nil {
		w.obj("referred_product", func() { c.ReferredProduct.encode(w) })
	}
	w.close()
}

func (p *ReferredProduct) encode(w *jsonWriter) {
	w.open(p.Extra)
	w.str("catalog_id", p.CatalogID)
	w.str("product_retailer_id", p.ProductRetailerID)
	w.close()
}

func (f *Referral) encode(w *jsonWriter) {
	w.open(f.Extra)
	w.str("source_url", f.SourceURL)
	w.str("source_id", f.SourceID)
	w.str("source_type", f.SourceType)
	w.str("body", f.Body)
	w.str("headline", f.Headline)
	w.str("media_type", f.MediaType)
	w.str("image_url", f.ImageURL)
	w.str("video_url", f.VideoURL)
	w.str("thumbnail_url", f.ThumbnailURL)
	w.str("ctwa_clid", f.CTWAClickID)
	if f.WelcomeMessage != nil {
		w.obj("welcome_message", func() {
			w.open(f.WelcomeMessage.Extra)
			w.str("text", f.WelcomeMessage.Text)
			w.close()
		})
	}
	w.close()
}

func (t *InboundText) encode(w *jsonWriter) {
	w.open(t.Extra)
	w.strAlways("body", t.Body)
	w.close()
}

func (m *InboundMedia) encode(w *jsonWriter) {
	w.open(m.Extra)
	w.str("id", m.ID)
	w.str("mime_type", m.MIMEType)
	w.str("sha256", m.SHA256)
	w.str("caption", m.Caption)
	w.str("filename", m.Filename)
	w.str("url", m.URL)
	w.boolean("voice", m.Voice)
	w.boolean("animated", m.Animated)
	w.close()
}

func (l *InboundLocation) encode(w *jsonWriter) {
	w.open(l.Extra)
	w.float("latitude", l.Latitude)
	w.float("longitude", l.Longitude)
	w.str("name", l.Name)
	w.str("address", l.Address)
	w.str("url", l.URL)
	w.close()
}

func (i *InboundInteractive) encode(w *jsonWriter) {
	w.open(i.Extra)
	w.str("type", i.Type)
	if b := i.ButtonReply; b != nil {
		w.obj("button_reply", func() {
			w.open(b.Extra)
			w.str("id", b.ID)
			w.str("title", b.Title)
			w.close()
		})
	}
	if l := i.ListReply; l != nil {
		w.obj("list_reply", func() {
			w.open(l.Extra)
			w.str("id", l.ID)
			w.str("title", l.Title)
			w.str("description", l.Description)
			w.close()
		})
	}
	if n := i.NFMReply; n != nil {
		w.obj("nfm_reply", func() {
			w.open(n.Extra)
			w.str("response_json", n.ResponseJSON)
			w.str("body", n.Body)
			w.str("name", n.Name)
			w.close()
		})
	}
	w.close()
}

func (b *InboundButton) encode(w *jsonWriter) {
	w.open(b.Extra)
	w.str("payload", b.Payload)
	w.str("text", b.Text)
	w.close()
}

func (x *InboundReaction) encode(w *jsonWriter) {
	w.open(x.Extra)
	w.str("message_id", x.MessageID)
	w.strAlways("emoji", x.Emoji) // "" (removed) is written: the spec requires the member
	w.close()
}

func (o *Order) encode(w *jsonWriter) {
	w.open(o.Extra)
	w.str("catalog_id", o.CatalogID)
	w.strAlways("text", o.Text)
	w.list("product_items", len(o.ProductItems), func(i int) {
		it := &o.ProductItems[i]
		w.open(it.Extra)
		w.str("product_retailer_id", it.ProductRetailerID)
		w.integer("quantity", it.Quantity)
		w.float("item_price", it.ItemPrice)
		w.str("currency", it.Currency)
		w.close()
	})
	w.close()
}

func (s *SystemChange) encode(w *jsonWriter) {
	w.open(s.Extra)
	w.str("body", s.Body)
	w.str("wa_id", s.WaID)
	w.str("type", s.Type)
	w.str("new_wa_id", s.NewWaID)
	w.str("customer", s.Customer)
	w.str("identity", s.Identity)
	w.close()
}

func (u *Unsupported) encode(w *jsonWriter) {
	w.open(u.Extra)
	w.str("type", u.Type)
	w.close()
}

func (s *Status) encode(w *jsonWriter) {
	w.open(s.Extra)
	w.str("id", s.ID)
	w.str("status", s.Status)
	w.unixString("timestamp", s.Timestamp)
	w.str("recipient_id", s.RecipientID)
	w.str("recipient_user_id", s.RecipientUserID)
	w.str("recipient_type", s.RecipientType)
	w.str("recipient_participant_id", s.RecipientParticipantID)
	w.str("recipient_identity_key_hash", s.RecipientIdentityKeyHash)
	w.str("biz_opaque_callback_data", s.CallbackData)
	if c := s.Conversation; c != nil {
		w.obj("conversation", func() {
			w.open(c.Extra)
			w.str("id", c.ID)
			w.unixString("expiration_timestamp", c.ExpirationTimestamp)
			if c.Origin.Type != "" || len(c.Origin.Extra) > 0 {
				w.obj("origin", func() {
					w.open(c.Origin.Extra)
					w.str("type", c.Origin.Type)
					w.close()
				})
			}
			w.close()
		})
	}
	if p := s.Pricing; p != nil {
		w.obj("pricing", func() {
			w.open(p.Extra)
			if w.key("billable") {
				if p.Billable {
					w.b = append(w.b, "true"...)
				} else {
					w.b = append(w.b, "false"...)
				}
			}
			w.str("pricing_model", p.PricingModel)
			w.str("type", p.Type)
			w.str("category", p.Category)
			w.close()
		})
	}
	w.apiErrors("errors", s.Errors)
	w.close()
}
