package whatsapptest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// sendHead holds the members of a messages request that decide what it
// is, before the library decodes the message itself.
type sendHead struct {
	MessagingProduct *string         `json:"messaging_product"`
	Status           string          `json:"status"`
	MessageID        string          `json:"message_id"`
	Type             string          `json:"type"`
	Text             json.RawMessage `json:"text"`
	TypingIndicator  *struct {
		Type string `json:"type"`
	} `json:"typing_indicator"`
}

// handleMessages serves POST /{phone-number-id}/messages: sends, read
// receipts and typing indicators.
func (s *Server) handleMessages(c *call, pnid string) {
	s.mu.Lock()
	_, known := s.numbers[pnid]
	s.mu.Unlock()
	if !known {
		c.unsupported()
		return
	}
	if !c.readJSON() {
		return
	}
	var head sendHead
	if err := json.Unmarshal(c.body, &head); err != nil {
		c.fail(&apiError{code: 100, details: "request body is not a valid JSON object: " + err.Error()})
		return
	}
	switch {
	case head.MessagingProduct == nil || *head.MessagingProduct == "":
		c.fail(&apiError{code: 100, details: "The parameter messaging_product is required."})
		return
	case *head.MessagingProduct != "whatsapp":
		c.fail(&apiError{code: 100, details: "Param messaging_product must be one of {WHATSAPP} - got \"" + *head.MessagingProduct + "\"."})
		return
	}
	if head.Status != "" {
		s.markRead(c, pnid, &head)
		return
	}
	var m whatsapp.Message
	if err := m.UnmarshalJSON(c.body); err != nil {
		c.fail(&apiError{code: 100, details: err.Error()})
		return
	}
	if head.Type == "" && len(head.Text) > 0 {
		// type is optional and defaults to text.
		var t whatsapp.Text
		if err := json.Unmarshal(head.Text, &t); err != nil {
			c.fail(&apiError{code: 100, details: "text: " + err.Error()})
			return
		}
		m.Content = t
	}
	if raw, ok := m.Content.(whatsapp.RawContent); ok {
		c.fail(&apiError{code: 100, details: "Param type must be one of {TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT, STICKER, LOCATION, CONTACTS, REACTION, INTERACTIVE, TEMPLATE} - got \"" + raw.Type + "\"."})
		return
	}
	if ra, ok := m.Content.(whatsapp.Interactive); ok {
		if raw, ok := ra.Action.(whatsapp.RawAction); ok {
			c.fail(&apiError{code: 131009, details: "interactive.type: the fake server does not model \"" + raw.Type + "\""})
			return
		}
	}
	if err := m.Validate(); err != nil {
		c.fail(errorFromValidation(err))
		return
	}
	s.accept(c, pnid, &m)
}

// accept applies the platform's rules to a valid message and, if it goes
// through, records it, answers its id and queues its statuses.
func (s *Server) accept(c *call, pnid string, m *whatsapp.Message) {
	now := c.at
	to := waID(m.To)
	s.mu.Lock()
	defer s.wake()
	defer s.mu.Unlock()

	n := s.numbers[pnid]
	switch {
	case !n.registered:
		c.fail(&apiError{code: 133010, details: "Phone number " + n.DisplayPhoneNumber + " is not registered."})
		return
	case to == n.DisplayPhoneNumber:
		c.fail(&apiError{code: 131021, title: "Recipient cannot be sender", details: "Sender and recipient phone number is the same."})
		return
	case slices.Contains(n.blocked, to):
		c.fail(&apiError{code: 130403, details: "The business blocked this user: unblock them first."})
		return
	}
	if e := s.checkLimitsLocked(pnid, to, now); e != nil {
		c.fail(e)
		return
	}
	tpl, isTemplate := m.Content.(whatsapp.Template)
	var category string
	status := ""
	if isTemplate {
		t, e := s.checkTemplateLocked(pnid, &tpl)
		if e != nil {
			c.fail(e)
			return
		}
		category, status = t, "accepted"
	}

	// Failures the Cloud API reports asynchronously.
	var async *apiError
	group := m.RecipientType == "group"
	u := s.userLocked(pnid, to)
	open := u.window.IsOpen(now)
	switch {
	case group:
	case s.undeliverable[to]:
		async = &apiError{code: 131026, details: "Message Undeliverable."}
	case !isTemplate && !open:
		async = &apiError{code: 131047, details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
	case isTemplate && u.stopped && whatsapp.TemplatePricingCategory(category) == whatsapp.PricingMarketing:
		async = &apiError{code: 131050, title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
			details: "The user stopped marketing messages from this business."}
	}
	if async != nil && s.cfg.errorMode == SyncErrors {
		c.fail(async)
		return
	}

	id := messageID("OUT", s.nextIDLocked())
	sm := &SentMessage{ID: id, PhoneNumberID: pnid, To: m.To, WaID: to, Message: *m,
		Body: json.RawMessage(c.body), At: now, Version: c.version}
	bill := whatsapp.PriceMessage(m.Content, category, u.window, u.entry, now)
	sm.Category, sm.PricingType = string(bill.Category), string(bill.Type)
	if async == nil && !group {
		u.entry = u.entry.RecordReply(now)
	}
	if async != nil {
		sm.Error = &whatsapp.APIError{Code: async.code, Title: title(async.code), Message: title(async.code), Details: async.details,
			Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}
	}
	s.sent = append(s.sent, sm)
	s.byTo[to] = append(s.byTo[to], len(s.sent)-1)
	s.queueStatusesLocked(sm)
	s.notifyLocked()

	// {"messaging_product":"whatsapp","contacts":[{"input":..,"wa_id":..}],
	//  "messages":[{"id":..,"message_status":..}]}
	b := append(c.buf[:0], `{"messaging_product":"whatsapp","contacts":[`...)
	if !group {
		b = append(b, `{"input":`...)
		b = appendString(b, m.To)
		b = append(b, `,"wa_id":`...)
		b = appendString(b, to)
		b = append(b, '}')
	}
	b = append(b, `],"messages":[{"id":`...)
	b = appendString(b, id)
	if status != "" {
		b = append(b, `,"message_status":`...)
		b = appendString(b, status)
	}
	b = append(b, "}]}"...)
	c.buf = b
	c.write(http.StatusOK, b)
}

// markRead serves a read receipt or typing indicator.
func (s *Server) markRead(c *call, pnid string, head *sendHead) {
	if head.Status != "read" {
		c.fail(&apiError{code: 100, details: "Param status must be one of {READ} - got \"" + head.Status + "\"."})
		return
	}
	if head.MessageID == "" {
		c.fail(&apiError{code: 100, details: "The parameter message_id is required."})
		return
	}
	typing := head.TypingIndicator != nil
	if typing && head.TypingIndicator.Type != "text" {
		c.fail(&apiError{code: 100, details: "Param typing_indicator[type] must be one of {TEXT} - got \"" + head.TypingIndicator.Type + "\"."})
		return
	}
	s.mu.Lock()
	in := s.inbound[head.MessageID]
	if in == nil || in.pnid != pnid {
		s.mu.Unlock()
		c.fail(&apiError{code: 100, details: "Invalid message_id: no message " + strconv.Quote(head.MessageID) + " was received by this phone number."})
		return
	}
	s.reads = append(s.reads, ReadReceipt{PhoneNumberID: pnid, MessageID: head.MessageID, Typing: typing, At: c.at})
	s.notifyLocked()
	s.mu.Unlock()
	c.success()
}

// wireStatus is a status item of a webhook.
type wireStatus struct {
	ID           string               `json:"id"`
	Status       string               `json:"status"`
	Timestamp    string               `json:"timestamp"`
	RecipientID  string               `json:"recipient_id"`
	CallbackData string               `json:"biz_opaque_callback_data,omitempty"`
	Conversation *wireConversation    `json:"conversation,omitempty"`
	Pricing      *wirePricing         `json:"pricing,omitempty"`
	Errors       []*whatsapp.APIError `json:"errors,omitempty"`
}

type wireConversation struct {
	ID         string `json:"id"`
	Expiration string `json:"expiration_timestamp,omitempty"`
	Origin     struct {
		Type string `json:"type"`
	} `json:"origin"`
}

type wirePricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

// queueStatusesLocked queues the statuses that follow an accepted send.
func (s *Server) queueStatusesLocked(m *SentMessage) {
	if !s.hooks.target.set() {
		return
	}
	if m.Error != nil {
		s.enqueueLocked(&event{due: m.At, pnid: m.PhoneNumberID, field: "messages", status: s.statusItemLocked(m, "failed", m.At)})
		return
	}
	statuses := s.cfg.statuses
	if _, ok := m.Message.Content.(whatsapp.Reaction); ok && len(statuses) > 1 {
		statuses = statuses[:1]
	}
	at := m.At
	for _, st := range statuses {
		s.enqueueLocked(&event{due: at, pnid: m.PhoneNumberID, field: "messages", status: s.statusItemLocked(m, st, at)})
		at = at.Add(s.cfg.statusStep)
	}
}

// statusItemLocked builds the status item of m.
func (s *Server) statusItemLocked(m *SentMessage, status string, at time.Time) json.RawMessage {
	w := wireStatus{ID: m.ID, Status: status, Timestamp: strconv.FormatInt(at.Unix(), 10),
		RecipientID: m.WaID, CallbackData: m.Message.CallbackData}
	if m.Error != nil {
		w.Errors = []*whatsapp.APIError{m.Error}
	}
	if m.Error == nil && conversationInStatuses(m.Version) {
		// v23.0 and earlier: a conversation object, its id unique per
		// message, its expiry on "sent" only.
		w.Conversation = &wireConversation{ID: "CONV" + strings.TrimPrefix(m.ID, "wamid.")}
		w.Conversation.Origin.Type = m.Category
		if status == "sent" {
			w.Conversation.Expiration = strconv.FormatInt(m.At.Add(24*time.Hour).Unix(), 10)
		}
	}
	if status == "sent" || status == "delivered" {
		w.Pricing = &wirePricing{Billable: m.PricingType == string(whatsapp.PricingRegular), PricingModel: "PMP", Type: m.PricingType, Category: m.Category}
	}
	b, _ := json.Marshal(w)
	return b
}

// messageID returns "wamid." + kind + n in at least 8 digits.
func messageID(kind string, n uint64) string {
	var b [32]byte
	out := append(b[:0], "wamid."...)
	out = append(out, kind...)
	d := strconv.AppendUint(nil, n, 10)
	for i := len(d); i < 8; i++ {
		out = append(out, '0')
	}
	out = append(out, d...)
	return string(out)
}

// conversationInStatuses reports whether status webhooks of a request made
// with API version v carry a conversation object: up to v23.0 they do;
// from v24.0 only inside a free entry point window, which the server does
// not model for statuses.
func conversationInStatuses(v string) bool {
	major, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n <= 23
}
