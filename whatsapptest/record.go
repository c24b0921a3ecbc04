package whatsapptest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/wacloud/whatsapp"
)

// Request is one request the server received, as recorded for assertions.
type Request struct {
	// Method and Path are the request's, e.g. "POST" and
	// "/v23.0/100000000000001/messages".
	Method, Path string
	// Version is the API version of the path, e.g. "v23.0".
	Version string
	// Query is the parsed query string.
	Query url.Values
	// Header holds the request's headers, the Authorization value
	// redacted.
	Header http.Header
	// Body is the JSON body, when the endpoint reads one.
	Body []byte
	// StatusCode is the HTTP status the server answered.
	StatusCode int
	// ErrorCode is the Graph error code answered; 0 on success.
	ErrorCode int
	// At is the server clock's time when the request arrived.
	At time.Time

	rawQuery string
}

// SentMessage is a message the server accepted from the business.
type SentMessage struct {
	// ID is the message id the server gave it ("wamid.…").
	ID string
	// PhoneNumberID is the business number that sent it.
	PhoneNumberID string
	// To is the recipient as the request gave it; WaID is its WhatsApp id
	// (the digits).
	To, WaID string
	// Message is the request decoded with the library's own decoder.
	Message whatsapp.Message
	// Body is the request body as received.
	Body json.RawMessage
	// Version is the API version of the request, e.g. "v23.0"; it decides
	// the shape of the status webhooks (v23.0 and earlier carry a
	// conversation object, later versions do not).
	Version string
	// At is the server clock's time of the send.
	At time.Time
	// Error is the error the server reported for it in a failed status
	// webhook (AsyncErrors), or nil.
	Error *whatsapp.APIError
	// Pricing is the category and pricing type the server billed it in
	// ("service"/"free_customer_service", "utility"/"regular", ...).
	Category, PricingType string
}

// Text returns the body of a text message, the body of an interactive
// message, or the name of a template, whichever the message is; "" for
// other kinds. It makes assertions short.
func (m SentMessage) Text() string {
	switch c := m.Message.Content.(type) {
	case whatsapp.Text:
		return c.Body
	case whatsapp.Interactive:
		return c.Body
	case whatsapp.Template:
		return c.Name
	case whatsapp.Image:
		return c.Caption
	case whatsapp.Video:
		return c.Caption
	case whatsapp.Document:
		return c.Caption
	}
	return ""
}

// ReadReceipt is a mark-read (or typing indicator) call the server
// accepted.
type ReadReceipt struct {
	PhoneNumberID string
	// MessageID is the inbound message marked read.
	MessageID string
	// Typing is true when a typing indicator was asked for.
	Typing bool
	At     time.Time
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	out := slices.Clone(s.requests)
	s.mu.Unlock()
	// The log keeps requests as they came, cheaply; the copies handed out
	// are parsed and redacted.
	for i := range out {
		r := &out[i]
		r.Query, _ = url.ParseQuery(r.rawQuery)
		r.Header = redactHeader(r.Header)
	}
	return out
}

// Messages returns every message accepted so far, in order.
func (s *Server) Messages() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		out[i] = *m
	}
	return out
}

// MessagesTo returns the messages accepted for one recipient, in order.
// The recipient may be given in any form the API accepts ("+1 555-...",
// "1555...").
func (s *Server) MessagesTo(to string) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesToLocked(waID(to))
}

func (s *Server) messagesToLocked(id string) []SentMessage {
	idx := s.byTo[id]
	out := make([]SentMessage, len(idx))
	for i, j := range idx {
		out[i] = *s.sent[j]
	}
	return out
}

// WaitMessages blocks until at least n messages were accepted for the
// recipient to (all recipients when to is ""), and returns them; or until
// ctx is done, returning ctx's error with what arrived so far.
func (s *Server) WaitMessages(ctx context.Context, to string, n int) ([]SentMessage, error) {
	id := waID(to)
	var got []SentMessage
	err := s.waitFor(ctx, func() bool {
		if to == "" {
			return len(s.sent) >= n
		}
		return len(s.byTo[id]) >= n
	})
	if to == "" {
		got = s.Messages()
	} else {
		got = s.MessagesTo(to)
	}
	return got, err
}

// Message returns the accepted message with the given id.
func (s *Server) Message(id string) (SentMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sent {
		if m.ID == id {
			return *m, true
		}
	}
	return SentMessage{}, false
}

// ReadReceipts returns the mark-read and typing-indicator calls accepted
// so far, in order.
func (s *Server) ReadReceipts() []ReadReceipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reads)
}

// Reset forgets the recorded traffic (requests, messages, read receipts,
// webhook deliveries), keeping users, windows, templates and media.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.sent, s.reads = nil, nil, nil
	s.byTo = make(map[string][]int)
	s.hooks.deliveries = nil
	s.notifyLocked()
}

// waID returns the WhatsApp id of a phone number: its digits. Anything
// that is not a phone number (a business-scoped user id, a group id) is
// returned as it is.
func waID(to string) string {
	digits := make([]byte, 0, len(to))
	for i := 0; i < len(to); i++ {
		switch c := to[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '+' || c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return to
		}
	}
	return string(digits)
}
