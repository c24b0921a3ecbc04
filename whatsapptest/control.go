package whatsapptest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// controlPrefix is where the control API lives.
const controlPrefix = "/whatsapptest/"

// WithControlAPI serves a small JSON API under /whatsapptest/ that lets a
// test written in any language drive the server as a Go test drives it
// with methods: simulated users, the clock, templates, and the recorded
// traffic. It takes the same bearer token as the Cloud API paths.
// cmd/whatsapp-fake enables it. The endpoints:
//
//	POST /whatsapptest/users/{number}/messages  {"text": "hi", "reply_to": "wamid..."}  → {"id": "wamid..."}
//	POST /whatsapptest/users/{number}/taps      {"message_id": "wamid...", "id": "yes"}   → {"id": "wamid..."}
//	POST /whatsapptest/clock                    {"advance": "24h"} or {"set": "2025-03-04T17:00:00Z"} → {"now": "..."}
//	GET  /whatsapptest/messages[?to=+1555...]   → [{"id", "phone_number_id", "to", "wa_id", "at", "body"}]
//	POST /whatsapptest/templates                a template definition → {"id": "..."} (APPROVED unless "status" says otherwise)
//	POST /whatsapptest/templates/{id}/status    {"status": "PAUSED", "reason": ""} → {"success": true}
//	GET  /whatsapptest/deliveries               → [{"status_code", "attempt", "at", "body"}]
//	POST /whatsapptest/flush                    waits until due webhooks are delivered → {"success": true}
func WithControlAPI() Option { return func(c *config) { c.control = true } }

// serveControl serves the control API.
func (s *Server) serveControl(c *call) {
	if !s.authorized(c.r) {
		c.fail(&apiError{code: 190, details: "The access token could not be decrypted or is invalid"})
		return
	}
	path := strings.Trim(strings.TrimPrefix(c.r.URL.Path, controlPrefix), "/")
	segs := strings.Split(path, "/")
	m := c.r.Method
	switch {
	case len(segs) == 3 && segs[0] == "users" && segs[2] == "messages" && m == http.MethodPost:
		var body struct {
			Text    string `json:"text"`
			ReplyTo string `json:"reply_to"`
		}
		if !c.decodeJSON(&body) {
			return
		}
		if body.Text == "" {
			c.fail(&apiError{code: 100, details: "The parameter text is required."})
			return
		}
		var id string
		if body.ReplyTo != "" {
			id = s.UserReplies(segs[1], body.ReplyTo, body.Text)
		} else {
			id = s.UserSends(segs[1], body.Text)
		}
		c.json(http.StatusOK, map[string]string{"id": id})
	case len(segs) == 3 && segs[0] == "users" && segs[2] == "taps" && m == http.MethodPost:
		var body struct {
			MessageID string `json:"message_id"`
			ID        string `json:"id"`
		}
		if !c.decodeJSON(&body) {
			return
		}
		id, err := s.UserTaps(segs[1], body.MessageID, body.ID)
		if err != nil {
			c.fail(&apiError{code: 100, details: err.Error()})
			return
		}
		c.json(http.StatusOK, map[string]string{"id": id})
	case path == "clock" && (m == http.MethodPost || m == http.MethodGet):
		if m == http.MethodPost {
			var body struct {
				Advance string    `json:"advance"`
				Set     time.Time `json:"set"`
			}
			if !c.decodeJSON(&body) {
				return
			}
			switch {
			case body.Advance != "":
				d, err := time.ParseDuration(body.Advance)
				if err != nil {
					c.fail(&apiError{code: 100, details: "advance: " + err.Error()})
					return
				}
				s.Clock.Advance(d)
			case !body.Set.IsZero():
				s.Clock.Set(body.Set)
			}
		}
		c.json(http.StatusOK, map[string]time.Time{"now": s.Clock.Now()})
	case path == "messages" && m == http.MethodGet:
		var msgs []SentMessage
		if to := c.r.URL.Query().Get("to"); to != "" {
			msgs = s.MessagesTo(to)
		} else {
			msgs = s.Messages()
		}
		type item struct {
			ID            string          `json:"id"`
			PhoneNumberID string          `json:"phone_number_id"`
			To            string          `json:"to"`
			WaID          string          `json:"wa_id"`
			At            time.Time       `json:"at"`
			Body          json.RawMessage `json:"body"`
		}
		out := make([]item, len(msgs))
		for i, m := range msgs {
			out[i] = item{m.ID, m.PhoneNumberID, m.To, m.WaID, m.At, m.Body}
		}
		c.json(http.StatusOK, out)
	case path == "templates" && m == http.MethodPost:
		var t whatsapp.MessageTemplate
		if !c.decodeJSON(&t) {
			return
		}
		id, err := s.AddTemplate(t)
		if err != nil {
			c.fail(errorFromTemplate(err))
			return
		}
		c.json(http.StatusOK, map[string]string{"id": id})
	case len(segs) == 3 && segs[0] == "templates" && segs[2] == "status" && m == http.MethodPost:
		var body struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
		}
		if !c.decodeJSON(&body) {
			return
		}
		if err := s.SetTemplateStatus(segs[1], whatsapp.TemplateStatus(strings.ToUpper(body.Status)), whatsapp.RejectedReason(body.Reason)); err != nil {
			c.fail(&apiError{code: 100, details: err.Error()})
			return
		}
		c.success()
	case path == "deliveries" && m == http.MethodGet:
		type item struct {
			StatusCode int             `json:"status_code"`
			Attempt    int             `json:"attempt"`
			At         time.Time       `json:"at"`
			Body       json.RawMessage `json:"body"`
		}
		ds := s.Deliveries()
		out := make([]item, len(ds))
		for i, d := range ds {
			out[i] = item{d.StatusCode, d.Attempt, d.At, d.Body}
		}
		c.json(http.StatusOK, out)
	case path == "flush" && m == http.MethodPost:
		if err := s.Flush(c.r.Context()); err != nil {
			c.fail(&apiError{code: 2, details: err.Error()})
			return
		}
		c.success()
	default:
		c.unsupported()
	}
}
