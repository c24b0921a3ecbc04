package whatsapp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxWebhookBody is the default limit of a webhook body (Meta sends
// at most 3 MB).
const DefaultMaxWebhookBody = 4 << 20

// Errors the webhook handler reports to WebhookConfig.OnError, wrapped in a
// *WebhookError.
var (
	// ErrBodyTooLarge: the body exceeds WebhookConfig.MaxBodyBytes (413).
	ErrBodyTooLarge = errors.New("whatsapp: webhook body too large")
	// ErrVerifyToken: a verification request's hub.verify_token does not
	// match, or no VerifyToken is configured (403).
	ErrVerifyToken = errors.New("whatsapp: webhook verify token mismatch")
	// ErrQueueFull: the asynchronous queue could not take the notification
	// (full or shut down); the handler answered 503 so Meta retries.
	ErrQueueFull = errors.New("whatsapp: webhook queue full or shut down")
)

// WebhookConfig configures NewWebhookHandler. Only AppSecret (or
// InsecureSkipSignature) and VerifyToken are needed; every callback is
// optional.
//
// A callback that returns an error or panics makes the handler answer 500,
// so Meta redelivers the notification; the failed item is released from the
// Deduper and reaches its callback again, while the items that succeeded are
// skipped as duplicates. Callbacks run in the order of the body, one at a
// time for a given request.
type WebhookConfig struct {
	// AppSecret is the app secret that signs webhooks (X-Hub-Signature-256).
	// A POST is refused when it is empty, unless InsecureSkipSignature.
	AppSecret string
	// RotatedAppSecrets are also accepted, for a secret rotation.
	RotatedAppSecrets []string
	// InsecureSkipSignature accepts unsigned POSTs. For local tests only.
	InsecureSkipSignature bool
	// VerifyToken answers the verification GET (hub.verify_token).
	VerifyToken string

	// OnNotification is called once per verified, decoded POST, before the
	// per-item callbacks; an error answers 500 and no item callback runs.
	// Observers plug in here (for example a Guard's Observe). It sees only
	// the items this delivery claimed: messages and statuses the Deduper
	// reports as duplicates (processed before, or in flight in another
	// request) are removed from the notification it gets, so it never
	// counts a duplicate. An item whose callback failed is released and,
	// when Meta redelivers it, observed again: observers that count must be
	// idempotent per item (message id, or status id and status). Changes
	// other than messages and statuses are not deduplicated.
	OnNotification func(context.Context, *Notification) error

	// OnMessage is called for each inbound message.
	OnMessage func(context.Context, *InboundMessage) error
	// OnStatus is called for each status update of a sent message.
	OnStatus func(context.Context, *Status) error

	OnTemplateStatus     func(context.Context, *TemplateStatusUpdate) error     // message_template_status_update
	OnTemplateQuality    func(context.Context, *TemplateQualityUpdate) error    // message_template_quality_update
	OnTemplateComponents func(context.Context, *TemplateComponentsUpdate) error // message_template_components_update
	OnTemplateCategory   func(context.Context, *TemplateCategoryUpdate) error   // template_category_update
	OnPhoneNumberQuality func(context.Context, *PhoneNumberQualityUpdate) error // phone_number_quality_update
	OnPhoneNumberName    func(context.Context, *PhoneNumberNameUpdate) error    // phone_number_name_update
	OnBusinessCapability func(context.Context, *BusinessCapabilityUpdate) error // business_capability_update
	OnAccountUpdate      func(context.Context, *AccountUpdate) error            // account_update
	OnAccountAlert       func(context.Context, *AccountAlert) error             // account_alerts
	OnAccountReview      func(context.Context, *AccountReviewUpdate) error      // account_review_update
	OnUserPreference     func(context.Context, *UserPreference) error           // user_preferences, once per item
	OnSecurity           func(context.Context, *SecurityUpdate) error           // security

	// OnEvent is called for every change no typed callback above handled:
	// fields this package does not model, fields whose callback is nil,
	// and "messages" changes carrying errors of their own.
	OnEvent func(context.Context, *Change) error

	// OnError, if set, receives every failure as a *WebhookError: bad
	// signatures, bodies, callback errors and panics. It must not block.
	OnError func(context.Context, error)
	// Logger receives a line for every failure (never the body or a
	// secret). Nil discards.
	Logger *slog.Logger

	// MaxBodyBytes limits the body; DefaultMaxWebhookBody when 0.
	MaxBodyBytes int64
	// Deduper suppresses duplicate messages and statuses. Nil uses a
	// MemoryDeduper with its defaults, private to this handler.
	Deduper Deduper
	// Queue, if set, makes the handler asynchronous: it answers 200 as soon
	// as the notification is verified, decoded, deduplicated and observed
	// (OnNotification), and runs the item callbacks on the queue's workers.
	// Their failures go to OnError only (Meta was already answered), and the
	// failed items are released from the Deduper.
	Queue *WebhookQueue
}

// WebhookError is a failure of the webhook handler, passed to
// WebhookConfig.OnError.
type WebhookError struct {
	// StatusCode is the HTTP status answered; 0 when the failure happened
	// after the answer (asynchronous mode).
	StatusCode int
	// Field is the change field of the failed item, when a callback failed.
	Field string
	// ItemID identifies the failed item: a message id, "statusID/status",
	// or empty.
	ItemID string
	// Err is the cause: a sentinel (ErrInvalidSignature, ErrBodyTooLarge,
	// ...), a *ParseError, a callback's error, or a *PanicError.
	Err error
}

// Error describes the failure.
func (e *WebhookError) Error() string {
	s := "whatsapp: webhook"
	if e.StatusCode != 0 {
		s += " " + strconv.Itoa(e.StatusCode)
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.ItemID != "" {
		s += " " + e.ItemID
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *WebhookError) Unwrap() error { return e.Err }

// PanicError is a panic recovered from a webhook callback.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error returns "callback panicked: <value>".
func (e *PanicError) Error() string { return fmt.Sprintf("callback panicked: %v", e.Value) }

// NewWebhookHandler returns the http.Handler of a webhook callback URL.
//
// GET answers Meta's verification: hub.mode "subscribe" and hub.verify_token
// equal to VerifyToken echo hub.challenge with 200; anything else is 403
// (400 for a missing mode or challenge). No signature is checked on GET.
//
// POST reads the body (413 past MaxBodyBytes), checks X-Hub-Signature-256
// over the raw bytes (401 when missing, 400 when malformed, 403 when it does
// not match, 500 when no app secret is configured), decodes it once (400
// when it is not a whatsapp_business_account notification), drops the
// messages and statuses the Deduper has seen, calls OnNotification, then the
// callback of every item of every entry and change. It answers 200 when all
// succeeded, 500 otherwise. Other methods get 405.
//
// Webhooks: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks
func NewWebhookHandler(cfg WebhookConfig) http.Handler {
	h := &webhookHandler{cfg: cfg, dedupe: cfg.Deduper, logger: cfg.Logger, max: cfg.MaxBodyBytes}
	if h.dedupe == nil {
		h.dedupe = NewMemoryDeduper(0, 0)
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.max <= 0 {
		h.max = DefaultMaxWebhookBody
	}
	return h
}

type webhookHandler struct {
	cfg    WebhookConfig
	dedupe Deduper
	logger *slog.Logger
	max    int64
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *webhookHandler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	switch {
	case mode == "" || challenge == "":
		h.fail(r.Context(), w, &WebhookError{StatusCode: http.StatusBadRequest, Err: errors.New("verification request without hub.mode or hub.challenge")})
	case mode != "subscribe" || h.cfg.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.VerifyToken)) != 1:
		h.fail(r.Context(), w, &WebhookError{StatusCode: http.StatusForbidden, Err: ErrVerifyToken})
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, challenge)
	}
}

// bodyPool recycles body buffers: a decoded Notification keeps no reference
// to the body.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (h *webhookHandler) receive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bp := bodyPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 4<<20 {
			*bp = (*bp)[:0]
			bodyPool.Put(bp)
		}
	}()
	body, err := readBody(w, r, h.max, (*bp)[:0])
	*bp = body
	if err != nil {
		code := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code, err = http.StatusRequestEntityTooLarge, ErrBodyTooLarge
		}
		h.fail(ctx, w, &WebhookError{StatusCode: code, Err: err})
		return
	}
	if !h.cfg.InsecureSkipSignature {
		if err := verifySignature(body, r.Header.Get(SignatureHeader), h.cfg.AppSecret, h.cfg.RotatedAppSecrets); err != nil {
			code := http.StatusForbidden
			switch err {
			case ErrNoAppSecret:
				code = http.StatusInternalServerError
			case ErrMissingSignature:
				code = http.StatusUnauthorized
			case ErrMalformedSignature:
				code = http.StatusBadRequest
			}
			h.fail(ctx, w, &WebhookError{StatusCode: code, Err: err})
			return
		}
	}
	n, err := ParseNotification(body)
	if err != nil {
		h.fail(ctx, w, &WebhookError{StatusCode: http.StatusBadRequest, Err: err})
		return
	}

	d, err := h.claim(ctx, n)
	if err != nil {
		h.fail(ctx, w, &WebhookError{StatusCode: http.StatusInternalServerError, Err: fmt.Errorf("deduper: %w", err)})
		return
	}
	if h.cfg.OnNotification != nil {
		if err := h.call(func() error { return h.cfg.OnNotification(ctx, d.observed) }); err != nil {
			d.releaseAll(ctx, h.dedupe)
			h.fail(ctx, w, &WebhookError{StatusCode: http.StatusInternalServerError, Err: err})
			return
		}
	}
	if q := h.cfg.Queue; q != nil {
		if !q.submit(func(qctx context.Context) { h.dispatch(qctx, n, d, 0) }) {
			d.releaseAll(ctx, h.dedupe)
			h.fail(ctx, w, &WebhookError{StatusCode: http.StatusServiceUnavailable, Err: ErrQueueFull})
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	if failed := h.dispatch(ctx, n, d, http.StatusInternalServerError); failed {
		http.Error(w, "callback failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// readBody reads r's body into buf, at most max bytes.
func readBody(w http.ResponseWriter, r *http.Request, max int64, buf []byte) ([]byte, error) {
	if r.ContentLength > max {
		return buf, &http.MaxBytesError{Limit: max}
	}
	if r.ContentLength > 0 && int64(cap(buf)) < r.ContentLength+1 {
		buf = make([]byte, 0, r.ContentLength+1)
	}
	rd := http.MaxBytesReader(w, r.Body, max)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// claims is the outcome of deduplicating one notification: for messages
// and statuses in walk order, the claimed key ("" when the item is a
// duplicate or has no id to key on, see dup).
type claims struct {
	msgKeys, stKeys []string
	msgDup, stDup   []bool
	observed        *Notification // the notification without duplicates
}

func messageKey(m *InboundMessage) string { return "m:" + m.ID }
func statusKey(s *Status) string          { return "s:" + s.ID + ":" + s.Status }

// claim asks the Deduper about every message and status. On a store error
// it releases what it claimed.
func (h *webhookHandler) claim(ctx context.Context, n *Notification) (*claims, error) {
	d := &claims{observed: n}
	dups := 0
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			v := n.Entries[i].Changes[j].Messages
			if v == nil {
				continue
			}
			for k := range v.Messages {
				key, dup, err := h.claimKey(ctx, v.Messages[k].ID, messageKey(&v.Messages[k]))
				if err != nil {
					d.releaseAll(ctx, h.dedupe)
					return nil, err
				}
				if dup {
					dups++
				}
				d.msgKeys, d.msgDup = append(d.msgKeys, key), append(d.msgDup, dup)
			}
			if d.stKeys == nil {
				d.stKeys, d.stDup = make([]string, 0, len(v.Statuses)), make([]bool, 0, len(v.Statuses))
			}
			for k := range v.Statuses {
				key, dup, err := h.claimKey(ctx, v.Statuses[k].ID, statusKey(&v.Statuses[k]))
				if err != nil {
					d.releaseAll(ctx, h.dedupe)
					return nil, err
				}
				if dup {
					dups++
				}
				d.stKeys, d.stDup = append(d.stKeys, key), append(d.stDup, dup)
			}
		}
	}
	if dups > 0 {
		d.observed = d.withoutDuplicates(n)
	}
	return d, nil
}

// claimKey claims key unless id is empty (an item without an id cannot be
// deduplicated and is always processed).
func (h *webhookHandler) claimKey(ctx context.Context, id, key string) (claimed string, dup bool, err error) {
	if id == "" {
		return "", false, nil
	}
	ok, err := h.dedupe.Claim(ctx, key)
	if err != nil {
		return "", false, err
	}
	if !ok {
		return "", true, nil
	}
	return key, false, nil
}

// withoutDuplicates copies the notification down to the changes, leaving
// out duplicate messages and statuses.
func (d *claims) withoutDuplicates(n *Notification) *Notification {
	out := *n
	out.Entries = make([]Entry, len(n.Entries))
	mi, si := 0, 0
	for i := range n.Entries {
		e := n.Entries[i]
		e.Changes = make([]Change, len(e.Changes))
		copy(e.Changes, n.Entries[i].Changes)
		for j := range e.Changes {
			c := &e.Changes[j]
			if c.Messages == nil {
				continue
			}
			v := *c.Messages
			v.Messages, v.Statuses = nil, nil
			for k := range c.Messages.Messages {
				if !d.msgDup[mi] {
					v.Messages = append(v.Messages, c.Messages.Messages[k])
				}
				mi++
			}
			for k := range c.Messages.Statuses {
				if !d.stDup[si] {
					v.Statuses = append(v.Statuses, c.Messages.Statuses[k])
				}
				si++
			}
			c.Messages = &v
		}
		out.Entries[i] = e
	}
	return &out
}

func (d *claims) releaseAll(ctx context.Context, dd Deduper) {
	ctx, cancel := settleContext(ctx)
	defer cancel()
	for _, keys := range [][]string{d.msgKeys, d.stKeys} {
		for _, k := range keys {
			if k != "" {
				dd.Release(ctx, k)
			}
		}
	}
}

// settleTimeout bounds the Deduper calls that record an item's outcome.
const settleTimeout = 5 * time.Second

// settleContext returns the context for recording an outcome in the
// Deduper: it outlives the request's (Meta may have hung up on a slow
// callback, cancelling the request), so that a failed item is still
// released and its redelivery is not mistaken for a duplicate.
func settleContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
}

// dispatch calls the callback of every item that is not a duplicate, in
// order. Each success is recorded in the Deduper and each failure released.
// It reports whether any callback failed; failures are reported with
// status code.
func (h *webhookHandler) dispatch(ctx context.Context, n *Notification, d *claims, code int) (failed bool) {
	sctx, cancel := settleContext(ctx)
	defer cancel()
	mi, si := 0, 0
	for i := range n.Entries {
		for j := range n.Entries[i].Changes {
			c := &n.Entries[i].Changes[j]
			if v := c.Messages; v != nil {
				for k := range v.Messages {
					m := &v.Messages[k]
					key, dup := d.msgKeys[mi], d.msgDup[mi]
					mi++
					if dup {
						continue
					}
					var err error
					if h.cfg.OnMessage != nil {
						err = h.call(func() error { return h.cfg.OnMessage(ctx, m) })
					}
					failed = h.settle(ctx, sctx, key, err, c.Field, m.ID, code) || failed
				}
				for k := range v.Statuses {
					s := &v.Statuses[k]
					key, dup := d.stKeys[si], d.stDup[si]
					si++
					if dup {
						continue
					}
					var err error
					if h.cfg.OnStatus != nil {
						err = h.call(func() error { return h.cfg.OnStatus(ctx, s) })
					}
					failed = h.settle(ctx, sctx, key, err, c.Field, s.ID+"/"+s.Status, code) || failed
				}
				if len(v.Errors) == 0 {
					continue
				}
			}
			if err := h.call(func() error { return h.event(ctx, c) }); err != nil {
				h.report(ctx, &WebhookError{StatusCode: code, Field: c.Field, Err: err})
				failed = true
			}
		}
	}
	return failed
}

// settle records an item's outcome in the Deduper, on sctx (see
// settleContext); ctx is the request's, for reports.
func (h *webhookHandler) settle(ctx, sctx context.Context, key string, err error, field, id string, code int) bool {
	if err != nil {
		if key != "" {
			if rerr := h.dedupe.Release(sctx, key); rerr != nil {
				// The claim stays until it expires: a redelivery before
				// then is taken for a duplicate. Say so loudly.
				h.report(ctx, &WebhookError{StatusCode: code, Field: field, ItemID: id, Err: fmt.Errorf("deduper release (a redelivery may be skipped until the claim expires): %w", rerr)})
			}
		}
		h.report(ctx, &WebhookError{StatusCode: code, Field: field, ItemID: id, Err: err})
		return true
	}
	if key != "" {
		if derr := h.dedupe.Done(sctx, key); derr != nil {
			h.report(ctx, &WebhookError{StatusCode: 0, Field: field, ItemID: id, Err: fmt.Errorf("deduper: %w", derr)})
		}
	}
	return false
}

// event calls the typed callback of a change, or OnEvent.
func (h *webhookHandler) event(ctx context.Context, c *Change) error {
	cfg := &h.cfg
	switch {
	case c.TemplateStatus != nil && cfg.OnTemplateStatus != nil:
		return cfg.OnTemplateStatus(ctx, c.TemplateStatus)
	case c.TemplateQuality != nil && cfg.OnTemplateQuality != nil:
		return cfg.OnTemplateQuality(ctx, c.TemplateQuality)
	case c.TemplateComponents != nil && cfg.OnTemplateComponents != nil:
		return cfg.OnTemplateComponents(ctx, c.TemplateComponents)
	case c.TemplateCategory != nil && cfg.OnTemplateCategory != nil:
		return cfg.OnTemplateCategory(ctx, c.TemplateCategory)
	case c.PhoneNumberQuality != nil && cfg.OnPhoneNumberQuality != nil:
		return cfg.OnPhoneNumberQuality(ctx, c.PhoneNumberQuality)
	case c.PhoneNumberName != nil && cfg.OnPhoneNumberName != nil:
		return cfg.OnPhoneNumberName(ctx, c.PhoneNumberName)
	case c.BusinessCapability != nil && cfg.OnBusinessCapability != nil:
		return cfg.OnBusinessCapability(ctx, c.BusinessCapability)
	case c.AccountUpdate != nil && cfg.OnAccountUpdate != nil:
		return cfg.OnAccountUpdate(ctx, c.AccountUpdate)
	case c.AccountAlert != nil && cfg.OnAccountAlert != nil:
		return cfg.OnAccountAlert(ctx, c.AccountAlert)
	case c.AccountReview != nil && cfg.OnAccountReview != nil:
		return cfg.OnAccountReview(ctx, c.AccountReview)
	case c.Security != nil && cfg.OnSecurity != nil:
		return cfg.OnSecurity(ctx, c.Security)
	case c.UserPreferences != nil && cfg.OnUserPreference != nil:
		var errs []error
		for i := range c.UserPreferences.Preferences {
			if err := cfg.OnUserPreference(ctx, &c.UserPreferences.Preferences[i]); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	case cfg.OnEvent != nil:
		return cfg.OnEvent(ctx, c)
	}
	return nil
}

// call runs fn, turning a panic into a *PanicError.
func (h *webhookHandler) call(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// fail answers a request that could not be processed and reports it.
func (h *webhookHandler) fail(ctx context.Context, w http.ResponseWriter, e *WebhookError) {
	h.report(ctx, e)
	http.Error(w, http.StatusText(e.StatusCode), e.StatusCode)
}

// report logs a failure and passes it to OnError.
func (h *webhookHandler) report(ctx context.Context, e *WebhookError) {
	attrs := []slog.Attr{slog.Int("status", e.StatusCode), slog.String("error", e.Err.Error())}
	if e.Field != "" {
		attrs = append(attrs, slog.String("field", e.Field))
	}
	if e.ItemID != "" {
		attrs = append(attrs, slog.String("item", e.ItemID))
	}
	var pe *PanicError
	if errors.As(e.Err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		h.logger.LogAttrs(ctx, slog.LevelError, "whatsapp: webhook callback panicked", attrs...)
	} else {
		h.logger.LogAttrs(ctx, slog.LevelWarn, "whatsapp: webhook failed", attrs...)
	}
	if h.cfg.OnError != nil {
		h.cfg.OnError(ctx, e)
	}
}

// WebhookQueue is a bounded pool of workers running webhook callbacks
// after the handler answered (WebhookConfig.Queue). Several handlers may
// share one queue. Shut it down when the server stops, after the HTTP
// server's own Shutdown, so that queued work finishes.
type WebhookQueue struct {
	jobs   chan func(context.Context)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.RWMutex
	closed bool
}

// NewWebhookQueue starts workers goroutines (at least 1) taking work from a
// queue of size notifications (at least 1). When the queue is full the
// handler answers 503 and Meta redelivers later.
func NewWebhookQueue(workers, size int) *WebhookQueue {
	workers, size = max(workers, 1), max(size, 1)
	ctx, cancel := context.WithCancel(context.Background())
	q := &WebhookQueue{jobs: make(chan func(context.Context), size), ctx: ctx, cancel: cancel}
	q.wg.Add(workers)
	for range workers {
		go func() {
			defer q.wg.Done()
			for job := range q.jobs {
				job(q.ctx)
			}
		}()
	}
	return q
}

// submit queues job without blocking; false when full or shut down.
func (q *WebhookQueue) submit(job func(context.Context)) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return false
	}
	select {
	case q.jobs <- job:
		return true
	default:
		return false
	}
}

// Shutdown stops accepting work and waits until every queued and running
// callback has returned. If ctx ends first, the context passed to the
// callbacks is cancelled and Shutdown returns ctx's error; the workers exit
// when their callbacks return.
func (q *WebhookQueue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.jobs)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		q.cancel()
		return nil
	case <-ctx.Done():
		q.cancel()
		return ctx.Err()
	}
}
