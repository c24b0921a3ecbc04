package whatsapptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/wacloud/whatsapp"
)

// userKey names the conversation between a business number and a user.
type userKey struct{ pnid, waID string }

// user is what the server knows about one conversation.
type user struct {
	name    string
	window  whatsapp.Window
	entry   whatsapp.FreeEntryPoint
	stopped bool // the user stopped marketing messages
}

// inboundRecord is a message a simulated user sent.
type inboundRecord struct {
	id, pnid, from string
	at             time.Time
}

// userLocked returns the state of a conversation, creating it.
func (s *Server) userLocked(pnid, id string) *user {
	k := userKey{pnid, id}
	u := s.users[k]
	if u == nil {
		u = &user{name: "User " + last4(id)}
		s.users[k] = u
	}
	return u
}

func last4(s string) string {
	if len(s) > 4 {
		return s[len(s)-4:]
	}
	return s
}

// SetUserName sets the profile name a simulated user's messages carry in
// webhooks (default "User " and the last four digits of the number).
func (s *Server) SetUserName(from, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userLocked(s.PhoneNumberID, waID(from)).name = name
}

// WindowClosesAt returns when the customer service window between the
// default business number and the user closes (or closed); the zero time
// when the user never wrote.
func (s *Server) WindowClosesAt(user string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userKey{s.PhoneNumberID, waID(user)}]
	if u == nil {
		return time.Time{}
	}
	return u.window.ClosesAt()
}

// wireInbound is an inbound message item of a webhook.
type wireInbound struct {
	From        string           `json:"from"`
	ID          string           `json:"id"`
	Timestamp   string           `json:"timestamp"`
	Type        string           `json:"type"`
	Context     *wireInContext   `json:"context,omitempty"`
	Text        *wireBody        `json:"text,omitempty"`
	Interactive *wireInteractive `json:"interactive,omitempty"`
	Button      *wireButton      `json:"button,omitempty"`
	Location    *wireLocation    `json:"location,omitempty"`
	Reaction    *wireReaction    `json:"reaction,omitempty"`
	Image       *wireMedia       `json:"image,omitempty"`
	Video       *wireMedia       `json:"video,omitempty"`
	Audio       *wireMedia       `json:"audio,omitempty"`
	Document    *wireMedia       `json:"document,omitempty"`
	Sticker     *wireMedia       `json:"sticker,omitempty"`
	Referral    *wireReferral    `json:"referral,omitempty"`
}

type wireReferral struct {
	SourceURL      string       `json:"source_url,omitempty"`
	SourceID       string       `json:"source_id,omitempty"`
	SourceType     string       `json:"source_type,omitempty"`
	Body           string       `json:"body,omitempty"`
	Headline       string       `json:"headline,omitempty"`
	MediaType      string       `json:"media_type,omitempty"`
	ImageURL       string       `json:"image_url,omitempty"`
	VideoURL       string       `json:"video_url,omitempty"`
	ThumbnailURL   string       `json:"thumbnail_url,omitempty"`
	CTWAClickID    string       `json:"ctwa_clid,omitempty"`
	WelcomeMessage *wireWelcome `json:"welcome_message,omitempty"`
}

type wireWelcome struct {
	Text string `json:"text"`
}

type wireInContext struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

type wireBody struct {
	Body string `json:"body"`
}

type wireInteractive struct {
	Type        string     `json:"type"`
	ButtonReply *wireReply `json:"button_reply,omitempty"`
	ListReply   *wireReply `json:"list_reply,omitempty"`
}

type wireReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type wireButton struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

type wireLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

type wireReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

type wireMedia struct {
	ID       string `json:"id"`
	MIMEType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
	URL      string `json:"url,omitempty"`
}

// receiveLocked records a message from a simulated user to the default
// business number, opens (restarts) the user's window, and queues its
// webhook. It returns the message's id.
func (s *Server) receiveLocked(from string, m *wireInbound) string {
	pnid := s.PhoneNumberID
	id := waID(from)
	now := s.Clock.Now()
	m.From = id
	m.ID = messageID("IN", s.nextIDLocked())
	m.Timestamp = strconv.FormatInt(now.Unix(), 10)
	u := s.userLocked(pnid, id)
	u.window = u.window.Record(now)
	if m.Referral != nil {
		u.entry = u.entry.RecordReferral(now)
	}
	s.inbound[m.ID] = &inboundRecord{id: m.ID, pnid: pnid, from: id, at: now}
	if n := s.numbers[pnid]; n != nil && slices.Contains(n.blocked, id) {
		// WhatsApp does not deliver messages from blocked users.
		return m.ID
	}
	item, _ := json.Marshal(m)
	c := &wireContact{WaID: id}
	c.Profile.Name = u.name
	s.enqueueLocked(&event{due: now, pnid: pnid, field: "messages", contact: c, message: item})
	s.notifyLocked()
	return m.ID
}

func (s *Server) receive(from string, m *wireInbound) string {
	s.mu.Lock()
	id := s.receiveLocked(from, m)
	s.mu.Unlock()
	s.wake()
	return id
}

// UserSends simulates the user from writing text to the business: it opens
// (or restarts) the user's 24-hour customer service window and delivers
// the message webhook. It returns the message's id, which MarkRead and a
// reply's ReplyTo accept.
func (s *Server) UserSends(from, text string) string {
	return s.receive(from, &wireInbound{Type: "text", Text: &wireBody{Body: text}})
}

// UserReplies is UserSends quoting an earlier message (the webhook's
// context.id is messageID).
func (s *Server) UserReplies(from, messageID, text string) string {
	return s.receive(from, &wireInbound{Type: "text", Text: &wireBody{Body: text},
		Context: &wireInContext{From: s.displayNumber(s.PhoneNumberID), ID: messageID}})
}

// UserSendsLocation simulates the user sharing a location (the answer to a
// location request, say).
func (s *Server) UserSendsLocation(from string, loc whatsapp.Location) string {
	return s.receive(from, &wireInbound{Type: "location", Location: &wireLocation{
		Latitude: loc.Latitude, Longitude: loc.Longitude, Name: loc.Name, Address: loc.Address}})
}

// UserArrivesFromAd simulates a user who tapped a Click-to-WhatsApp ad (or
// a post's call to action) and sent text: the message carries ref as its
// referral (source, ad id, headline, ctwa_clid, ...). Besides opening the
// customer service window, it makes the user eligible for a free entry
// point window: the business's first reply within 24 hours opens 72 hours
// in which every message is free, which the status webhooks' pricing
// shows (free_entry_point). An empty SourceType is "ad".
func (s *Server) UserArrivesFromAd(from, text string, ref whatsapp.Referral) string {
	w := &wireReferral{SourceURL: ref.SourceURL, SourceID: ref.SourceID, SourceType: ref.SourceType,
		Body: ref.Body, Headline: ref.Headline, MediaType: ref.MediaType, ImageURL: ref.ImageURL,
		VideoURL: ref.VideoURL, ThumbnailURL: ref.ThumbnailURL, CTWAClickID: ref.CTWAClickID}
	if w.SourceType == "" {
		w.SourceType = "ad"
	}
	if ref.WelcomeMessage != nil {
		w.WelcomeMessage = &wireWelcome{Text: ref.WelcomeMessage.Text}
	}
	return s.receive(from, &wireInbound{Type: "text", Text: &wireBody{Body: text}, Referral: w})
}

// UserReacts simulates the user reacting with emoji to the message
// messageID ("" removes the reaction).
func (s *Server) UserReacts(from, messageID, emoji string) string {
	return s.receive(from, &wireInbound{Type: "reaction", Reaction: &wireReaction{MessageID: messageID, Emoji: emoji}})
}

// ErrNoSuchButton is returned by UserTaps when the message has no button,
// list row or quick reply with the given id.
var ErrNoSuchButton = errors.New("whatsapptest: the message has no such button")

// UserTaps simulates the user tapping a choice of a message the business
// sent: a reply button or a list row of an interactive message (by its
// id), or a quick-reply button of a template (by its payload). The webhook
// is the one WhatsApp sends for that tap: interactive button_reply or
// list_reply, or a "button" message for a template, quoting messageID. A
// tap opens the window like any user message.
//
// It returns ErrNoSuchButton when the message (sent to from) has no such
// choice, and an error when messageID is not a message the server
// accepted.
func (s *Server) UserTaps(from, messageID, id string) (string, error) {
	s.mu.Lock()
	var sent *SentMessage
	for _, m := range s.sent {
		if m.ID == messageID {
			sent = m
			break
		}
	}
	s.mu.Unlock()
	if sent == nil {
		return "", fmt.Errorf("whatsapptest: UserTaps: no message %q was sent", messageID)
	}
	if sent.WaID != waID(from) {
		return "", fmt.Errorf("whatsapptest: UserTaps: message %q was sent to %s, not %s", messageID, sent.WaID, waID(from))
	}
	ctx := &wireInContext{From: s.displayNumber(sent.PhoneNumberID), ID: messageID}
	switch c := sent.Message.Content.(type) {
	case whatsapp.Interactive:
		switch a := c.Action.(type) {
		case whatsapp.ReplyButtons:
			for _, b := range a {
				if b.ID == id {
					return s.receive(from, &wireInbound{Type: "interactive", Context: ctx,
						Interactive: &wireInteractive{Type: "button_reply", ButtonReply: &wireReply{ID: b.ID, Title: b.Title}}}), nil
				}
			}
		case whatsapp.List:
			for _, sec := range a.Sections {
				for _, r := range sec.Rows {
					if r.ID == id {
						return s.receive(from, &wireInbound{Type: "interactive", Context: ctx,
							Interactive: &wireInteractive{Type: "list_reply", ListReply: &wireReply{ID: r.ID, Title: r.Title, Description: r.Description}}}), nil
					}
				}
			}
		}
	case whatsapp.Template:
		for _, comp := range c.Components {
			if comp.Type != "button" || comp.SubType != "quick_reply" {
				continue
			}
			for _, p := range comp.Parameters {
				if p.Payload == id {
					text := s.templateButtonText(sent.PhoneNumberID, c, comp.Index)
					if text == "" {
						text = id
					}
					return s.receive(from, &wireInbound{Type: "button", Context: ctx, Button: &wireButton{Payload: id, Text: text}}), nil
				}
			}
		}
	}
	return "", fmt.Errorf("%w: %q in message %s", ErrNoSuchButton, id, messageID)
}

// UserReads simulates the user opening the message messageID: it delivers
// its "read" status (for a server configured WithStatuses without "read",
// or whose clock has not reached the automatic one). It returns an error
// when messageID is not a message the server accepted.
func (s *Server) UserReads(messageID string) error {
	s.mu.Lock()
	defer s.wake()
	defer s.mu.Unlock()
	for _, m := range s.sent {
		if m.ID == messageID {
			s.enqueueLocked(&event{due: s.Clock.Now(), pnid: m.PhoneNumberID, field: "messages",
				status: s.statusItemLocked(m, "read", s.Clock.Now())})
			return nil
		}
	}
	return fmt.Errorf("whatsapptest: UserReads: no message %q was sent", messageID)
}

// SetUndeliverable marks numbers as not reachable on WhatsApp (131026), or
// reachable again when undeliverable is false.
func (s *Server) SetUndeliverable(undeliverable bool, numbers ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range numbers {
		if undeliverable {
			s.undeliverable[waID(n)] = true
		} else {
			delete(s.undeliverable, waID(n))
		}
	}
}

// UserStopsMarketing simulates the user tapping "Stop promotions": the
// user_preferences webhook says so (value "stop"), and from then on
// marketing templates to the user fail with 131050 (in a status webhook,
// or from the call with SyncErrors), as on the Cloud API.
// UserResumesMarketing undoes it.
func (s *Server) UserStopsMarketing(from string) { s.marketingPreference(from, true) }

// UserResumesMarketing simulates the user allowing marketing messages
// again (user_preferences value "resume").
func (s *Server) UserResumesMarketing(from string) { s.marketingPreference(from, false) }

func (s *Server) marketingPreference(from string, stop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := waID(from)
	pnid := s.PhoneNumberID
	u := s.userLocked(pnid, id)
	u.stopped = stop
	now := s.Clock.Now()
	pref := wirePreference{WaID: id, Category: "marketing_messages", Value: "resume",
		Detail: "User requested to resume marketing messages", Timestamp: now.Unix()}
	if stop {
		pref.Value, pref.Detail = "stop", "User requested to stop marketing messages"
	}
	c := &wireContact{WaID: id}
	c.Profile.Name = u.name
	value, _ := json.Marshal(wirePreferences{MessagingProduct: "whatsapp",
		Metadata: wireMetadata{DisplayPhoneNumber: s.numbers[pnid].DisplayPhoneNumber, PhoneNumberID: pnid},
		Contacts: []*wireContact{c}, Preferences: []wirePreference{pref}})
	s.enqueueLocked(&event{due: now, field: "user_preferences", value: value, time: now})
	s.notifyLocked()
}

type wirePreferences struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         wireMetadata     `json:"metadata"`
	Contacts         []*wireContact   `json:"contacts"`
	Preferences      []wirePreference `json:"user_preferences"`
}

type wirePreference struct {
	WaID      string `json:"wa_id"`
	Detail    string `json:"detail"`
	Category  string `json:"category"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"`
}
