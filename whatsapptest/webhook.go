package whatsapptest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"
)

// Sign returns the X-Hub-Signature-256 header value Meta sends with a
// webhook body: "sha256=" and the hex HMAC-SHA256 of body keyed with the
// app secret. Tests use it to build signed requests for a webhook handler.
// It is computed here from crypto/hmac directly, not with
// whatsapp.SignWebhook, so that the fake checks the library's signature
// code against an independent implementation.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// DeliveryPolicy sets how the server delivers webhooks. The zero value of a
// field selects its default; the defaults deliver each event in its own
// POST, once, in order, and retry a POST that did not get a 2xx answer up
// to 6 times, 10 s, 20 s, 40 s, ... apart (at most an hour) on the
// server's clock. Meta itself retries for up to 7 days with decreasing
// frequency, may batch up to 1,000 updates in one POST, may deliver an
// update twice and does not guarantee the order: the options let a test
// prove that its handler copes with each.
type DeliveryPolicy struct {
	// BatchSize is the most events one POST carries; events due at the
	// same time are batched. 0 or 1: one event per POST.
	BatchSize int
	// Duplicate delivers every POST twice in a row.
	Duplicate bool
	// Reorder delivers the events that are due together in reverse order
	// (a "read" status before its "sent", say).
	Reorder bool
	// MaxAttempts is the number of attempts per POST, the first included.
	// Default 6; 1 disables retries.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles at each
	// retry. Default 10s.
	Backoff time.Duration
	// MaxBackoff caps the wait between retries. Default 1h.
	MaxBackoff time.Duration
}

func (p DeliveryPolicy) withDefaults() DeliveryPolicy {
	if p.BatchSize <= 0 {
		p.BatchSize = 1
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 6
	}
	if p.Backoff <= 0 {
		p.Backoff = 10 * time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = time.Hour
	}
	if p.MaxBackoff < p.Backoff {
		p.MaxBackoff = p.Backoff
	}
	return p
}

// Delivery is one attempt to deliver a webhook POST.
type Delivery struct {
	// Body is the JSON payload, exactly as signed.
	Body []byte
	// Signature is the X-Hub-Signature-256 header sent with it.
	Signature string
	// Attempt counts attempts of this payload, from 1.
	Attempt int
	// StatusCode is the receiver's HTTP status; 0 when it could not be
	// reached.
	StatusCode int
	// Err is why the receiver could not be reached (or why its handler
	// panicked), or nil.
	Err error
	// At is the server clock's time of the attempt.
	At time.Time
	// Events is the number of messages and statuses in the payload.
	Events int
}

// OK reports whether the receiver answered with a 2xx status.
func (d Delivery) OK() bool { return d.Err == nil && d.StatusCode >= 200 && d.StatusCode < 300 }

// webhookTarget is where webhooks go: a URL or a handler.
type webhookTarget struct {
	url     string
	handler http.Handler
}

func (t webhookTarget) set() bool { return t.url != "" || t.handler != nil }

// event is one update waiting to be delivered.
type event struct {
	due     time.Time
	seq     uint64
	pnid    string
	field   string          // change field; "messages" for messages and statuses
	contact *wireContact    // the user, for inbound messages
	message json.RawMessage // an inbound message item
	status  json.RawMessage // a status item
	value   json.RawMessage // a whole change value, for other fields
	time    time.Time       // the entry's time, for other fields
}

// post is a payload on its way, retried until delivered.
type post struct {
	body    []byte
	events  int
	due     time.Time
	attempt int // attempts made
}

// hookQueue holds the webhook state; it is guarded by Server.mu.
type hookQueue struct {
	target     webhookTarget
	baseURL    string
	client     *http.Client
	events     []*event // ordered by due, then seq
	retries    []*post  // ordered by due
	inflight   int
	seq        uint64
	deliveries []Delivery
}

// SetWebhookURL makes the server deliver webhooks to url from now on,
// replacing any earlier target. While no target is set, no webhook is
// kept: what happened before is not delivered later.
func (s *Server) SetWebhookURL(url string) {
	s.mu.Lock()
	s.hooks.target = webhookTarget{url: url}
	s.mu.Unlock()
	s.wake()
}

// SetWebhookHandler makes the server deliver webhooks straight into h from
// now on, with no network in between, replacing any earlier target. A test
// usually builds its handler with a client from the server, then installs
// it here, before the first simulated user writes (while no target is set,
// no webhook is kept). The handler is called from one goroutine, one POST
// at a time, like a server receiving Meta's deliveries in order.
func (s *Server) SetWebhookHandler(h http.Handler) {
	s.mu.Lock()
	s.hooks.target = webhookTarget{handler: h}
	s.mu.Unlock()
	s.wake()
}

// Deliveries returns every webhook delivery attempt so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hooks.deliveries)
}

// WaitDeliveries blocks until at least n webhook POSTs were delivered
// successfully (2xx), and returns the successful ones; or until ctx is
// done, returning ctx's error with what was delivered so far.
func (s *Server) WaitDeliveries(ctx context.Context, n int) ([]Delivery, error) {
	err := s.waitFor(ctx, func() bool { return s.okDeliveriesLocked() >= n })
	var ok []Delivery
	for _, d := range s.Deliveries() {
		if d.OK() {
			ok = append(ok, d)
		}
	}
	return ok, err
}

func (s *Server) okDeliveriesLocked() int {
	n := 0
	for _, d := range s.hooks.deliveries {
		if d.OK() {
			n++
		}
	}
	return n
}

// Flush blocks until every webhook due at the clock's current time was
// delivered (or failed and was scheduled for a retry), or ctx is done.
// Retries and statuses scheduled later on the clock are not waited for:
// advance the clock, then Flush again.
//
// Do not call Flush from inside a webhook handler the server is calling:
// it would wait for itself.
func (s *Server) Flush(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		if s.hooks.inflight > 0 {
			return false
		}
		if !s.hooks.target.set() {
			return true
		}
		now := s.Clock.Now()
		s.reviewTemplatesLocked(now) // due reviews queue their webhooks
		if len(s.hooks.events) > 0 && !s.hooks.events[0].due.After(now) {
			return false
		}
		for _, p := range s.hooks.retries {
			if !p.due.After(now) {
				return false
			}
		}
		return true
	})
}

// Pending returns the number of webhook events not yet delivered,
// including those scheduled later on the clock and those waiting for a
// retry.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.hooks.events)
	for _, p := range s.hooks.retries {
		n += p.events
	}
	return n
}

// enqueueLocked schedules an event. Without a webhook target, events are
// not kept: nobody would receive them.
func (s *Server) enqueueLocked(e *event) {
	if !s.hooks.target.set() {
		return
	}
	s.hooks.seq++
	e.seq = s.hooks.seq
	q := s.hooks.events
	i := len(q)
	for i > 0 && q[i-1].due.After(e.due) {
		i--
	}
	s.hooks.events = slices.Insert(q, i, e)
	s.wake()
}

// wake tells the dispatcher to look at the queue again.
func (s *Server) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// dispatch delivers webhooks until the server is closed: it takes every
// event and retry due on the clock, batches, signs and posts them, and
// waits for the clock (or a new event) when nothing is due.
func (s *Server) dispatch() {
	defer close(s.done)
	ctx := s.hookCtx
	for {
		s.mu.Lock()
		now := s.Clock.Now()
		s.reviewTemplatesLocked(now)
		policy := s.cfg.delivery.withDefaults()
		target := s.hooks.target
		var due []*event
		var retries []*post
		next := time.Time{}
		if target.set() {
			n := 0
			for n < len(s.hooks.events) && !s.hooks.events[n].due.After(now) {
				n++
			}
			due = slices.Clone(s.hooks.events[:n])
			s.hooks.events = slices.Delete(s.hooks.events, 0, n)
			keep := s.hooks.retries[:0]
			for _, p := range s.hooks.retries {
				if !p.due.After(now) {
					retries = append(retries, p)
				} else {
					keep = append(keep, p)
				}
			}
			s.hooks.retries = keep
			if len(s.hooks.events) > 0 {
				next = s.hooks.events[0].due
			}
			for _, p := range s.hooks.retries {
				if next.IsZero() || p.due.Before(next) {
					next = p.due
				}
			}
		}
		if r := s.nextReviewLocked(); !r.IsZero() && (next.IsZero() || r.Before(next)) {
			next = r
		}
		if len(due) == 0 && len(retries) == 0 {
			changes := s.Clock.changes()
			s.mu.Unlock()
			var timer *time.Timer
			var fire <-chan time.Time
			if !next.IsZero() && s.Clock.wall {
				timer = time.NewTimer(next.Sub(now))
				fire = timer.C
			}
			select {
			case <-s.stop:
				if timer != nil {
					timer.Stop()
				}
				return
			case <-s.kick:
			case <-changes:
			case <-fire:
			}
			if timer != nil {
				timer.Stop()
			}
			continue
		}
		s.hooks.inflight++
		wabaID := s.WABAID
		numbers := s.numberMetaLocked()
		s.mu.Unlock()

		posts := retries
		if policy.Reorder {
			slices.Reverse(due)
		}
		for len(due) > 0 {
			n := min(policy.BatchSize, len(due))
			body := buildPayload(wabaID, numbers, due[:n])
			posts = append(posts, &post{body: body, events: n})
			due = due[n:]
		}
		for _, p := range posts {
			copies := 1
			if policy.Duplicate && p.attempt == 0 {
				copies = 2
			}
			var ok bool
			for range copies {
				if s.deliver(ctx, target, p) {
					ok = true
				}
			}
			if !ok && p.attempt < policy.MaxAttempts {
				wait := policy.Backoff
				for i := 1; i < p.attempt && wait < policy.MaxBackoff; i++ {
					wait *= 2
				}
				wait = min(wait, policy.MaxBackoff)
				p.due = s.Clock.Now().Add(wait)
				s.mu.Lock()
				s.hooks.retries = append(s.hooks.retries, p)
				s.mu.Unlock()
			}
			if ctx.Err() != nil {
				break
			}
		}
		s.mu.Lock()
		s.hooks.inflight--
		s.notifyLocked()
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// deliver makes one attempt and records it.
func (s *Server) deliver(ctx context.Context, t webhookTarget, p *post) bool {
	p.attempt++
	sig := Sign(s.AppSecret, p.body)
	d := Delivery{Body: p.body, Signature: sig, Attempt: p.attempt, At: s.Clock.Now(), Events: p.events}
	if t.handler != nil {
		d.StatusCode, d.Err = serveHandler(ctx, t.handler, p.body, sig)
	} else {
		d.StatusCode, d.Err = s.postURL(ctx, t.url, p.body, sig)
	}
	s.mu.Lock()
	s.hooks.deliveries = append(s.hooks.deliveries, d)
	s.notifyLocked()
	s.mu.Unlock()
	return d.OK()
}

func newWebhookRequest(ctx context.Context, url string, body []byte, sig string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", sig)
	req.Header.Set("User-Agent", "facebookexternalua")
	return req, nil
}

// serveHandler calls h as a POST from Meta would, and recovers a panic
// into an error.
func serveHandler(ctx context.Context, h http.Handler, body []byte, sig string) (status int, err error) {
	req, err := newWebhookRequest(ctx, "http://webhook.whatsapptest.invalid/webhook", body, sig)
	if err != nil {
		return 0, err
	}
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != nil {
			status, err = 0, fmt.Errorf("whatsapptest: webhook handler panicked: %v", v)
		}
	}()
	h.ServeHTTP(rec, req)
	return rec.Code, nil
}

// webhookClient returns the HTTP client for webhook deliveries and
// callback verification.
func (s *Server) webhookClient() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks.client == nil {
		s.hooks.client = &http.Client{
			Timeout:       30 * time.Second,
			Transport:     &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return s.hooks.client
}

func (s *Server) postURL(ctx context.Context, url string, body []byte, sig string) (int, error) {
	client := s.webhookClient()
	req, err := newWebhookRequest(ctx, url, body, sig)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_ = readAllLimited(resp.Body, 64<<10)
	return resp.StatusCode, nil
}

// Wire shapes of the webhook payload.
type wireNotification struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID      string       `json:"id"`
	Time    int64        `json:"time,omitempty"`
	Changes []wireChange `json:"changes"`
}

type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type wireValue struct {
	MessagingProduct string            `json:"messaging_product"`
	Metadata         wireMetadata      `json:"metadata"`
	Contacts         []*wireContact    `json:"contacts,omitempty"`
	Messages         []json.RawMessage `json:"messages,omitempty"`
	Statuses         []json.RawMessage `json:"statuses,omitempty"`
}

type wireMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type wireContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

// buildPayload builds one POST body from events: one entry for the WABA,
// one change per run of events of the same phone number and field.
func buildPayload(wabaID string, numbers map[string]string, evs []*event) []byte {
	entry := wireEntry{ID: wabaID}
	for i := 0; i < len(evs); {
		e := evs[i]
		j := i + 1
		for j < len(evs) && evs[j].pnid == e.pnid && evs[j].field == e.field && e.value == nil && evs[j].value == nil {
			j++
		}
		if e.value != nil {
			if !e.time.IsZero() {
				entry.Time = max(entry.Time, e.time.Unix())
			}
			entry.Changes = append(entry.Changes, wireChange{Field: e.field, Value: e.value})
			i = j
			continue
		}
		v := wireValue{MessagingProduct: "whatsapp", Metadata: wireMetadata{DisplayPhoneNumber: numbers[e.pnid], PhoneNumberID: e.pnid}}
		for _, x := range evs[i:j] {
			if x.contact != nil && !slices.ContainsFunc(v.Contacts, func(c *wireContact) bool { return c.WaID == x.contact.WaID }) {
				v.Contacts = append(v.Contacts, x.contact)
			}
			if x.message != nil {
				v.Messages = append(v.Messages, x.message)
			}
			if x.status != nil {
				v.Statuses = append(v.Statuses, x.status)
			}
		}
		raw, _ := json.Marshal(v)
		entry.Changes = append(entry.Changes, wireChange{Field: e.field, Value: raw})
		i = j
	}
	body, _ := json.Marshal(wireNotification{Object: "whatsapp_business_account", Entry: []wireEntry{entry}})
	return body
}

// DeliverChange queues a webhook change of any field ("account_update",
// "message_template_status_update", "user_preferences", ...) with value as
// its value, delivered like every other event. value must be a JSON object.
func (s *Server) DeliverChange(field string, value json.RawMessage) error {
	if !json.Valid(value) || len(bytes.TrimSpace(value)) == 0 || bytes.TrimSpace(value)[0] != '{' {
		return errors.New("whatsapptest: DeliverChange: value must be a JSON object")
	}
	s.mu.Lock()
	now := s.Clock.Now()
	s.enqueueLocked(&event{due: now, field: field, value: bytes.Clone(value), time: now})
	s.mu.Unlock()
	s.wake()
	return nil
}
