package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this library, sent in the User-Agent header.
const Version = "0.1.0"

// DefaultAPIVersion is the Graph API version the client calls unless
// WithAPIVersion says otherwise. It is the version of Meta's OpenAPI
// description the library is checked against.
const DefaultAPIVersion = "v23.0"

// DefaultBaseURL is the Graph API host.
const DefaultBaseURL = "https://graph.facebook.com/"

const (
	// maxErrorBody bounds how much of a failed response is read.
	maxErrorBody = 1 << 20
	// maxResponseBody bounds how much of a successful JSON response is read.
	maxResponseBody = 32 << 20
)

// Client calls the WhatsApp Business Cloud API. Create one with NewClient
// and share it: it is safe for concurrent use, and holds the connection pool.
type Client struct {
	// creds is behind a pointer so that printing a Client (%v, %+v, %#v,
	// a panic, a careless log) shows an address, never the token.
	creds      *credentials
	prefix     string // base URL + version + "/"
	version    string
	configErr  error
	httpClient *http.Client
	rc         *retryablehttp.Client
	logger     *slog.Logger
	retry      RetryConfig
	userAgent  string
	// userAgentValue is the User-Agent header's value slice, shared.
	userAgentValue []string
	jitter         func() float64 // in [0, 1); replaced in tests
	guards         []sendGuard
}

// RetryConfig sets how the client retries failed calls. The zero value of a
// field selects its default.
//
// Whatever the settings, the client never retries a validation error or a
// code documented as not retryable (131047, 131026, 132000, ...), and stops
// at once when the context is done. It retries:
//   - HTTP 429 and the rate-limit codes 130429, 80007, 4, 17 and 613, with
//     exponential backoff and jitter, waiting at least as long as a
//     Retry-After header asks;
//   - codes documented as transient (1, 2, 131000, 131016, 133004, ...) and
//     errors the platform marks is_transient, when the response is a 4xx
//     (the request was refused, so a retry cannot duplicate it);
//   - 5xx responses and transport errors only for GET and DELETE, unless
//     RetryUnsafe is set: the Cloud API has no idempotency key, so a
//     repeated POST may send a message twice;
//   - the pair rate limit 131056 only if RetryPairRateLimit is set, after
//     the documented wait of 4^n seconds (1 s, 4 s, 16 s, ...).
//
// A wait longer than MaxBackoff (a documented wait of an hour, say) is not
// slept: the error is returned at once with APIError.RetryAfter set.
type RetryConfig struct {
	// MaxAttempts is the number of attempts, the first included. Default 4;
	// 1 disables retries.
	MaxAttempts int
	// MinBackoff is the first backoff. Default 500ms.
	MinBackoff time.Duration
	// MaxBackoff caps every wait. Default 30s.
	MaxBackoff time.Duration
	// RetryUnsafe allows retrying POST calls after a 5xx or a transport
	// error, at the risk of a duplicate message.
	RetryUnsafe bool
	// RetryPairRateLimit allows retrying 131056 after 4^n seconds.
	RetryPairRateLimit bool
}

func (r RetryConfig) withDefaults() RetryConfig {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 4
	}
	if r.MinBackoff <= 0 {
		r.MinBackoff = 500 * time.Millisecond
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 30 * time.Second
	}
	if r.MaxBackoff < r.MinBackoff {
		r.MaxBackoff = r.MinBackoff
	}
	return r
}

// Option configures a Client. Options only record values: they cannot fail
// and their order does not matter. A bad value (an unparsable base URL, say)
// surfaces as an error on the first call.
type Option func(*settings)

type settings struct {
	baseURL    string
	httpClient *http.Client
	version    string
	logger     *slog.Logger
	retry      RetryConfig
	userAgent  string
	guards     []sendGuard
}

// WithBaseURL sets the API host, e.g. the URL of a whatsapptest.Server. A
// path prefix is kept: "http://127.0.0.1:8080/graph" calls
// "http://127.0.0.1:8080/graph/v23.0/...".
func WithBaseURL(u string) Option { return func(s *settings) { s.baseURL = u } }

// WithHTTPClient sets the HTTP client used for calls. The client is copied,
// never modified; its Transport, Timeout and Jar are used as they are.
func WithHTTPClient(c *http.Client) Option { return func(s *settings) { s.httpClient = c } }

// WithAPIVersion sets the Graph API version, e.g. "v24.0". Default
// DefaultAPIVersion.
func WithAPIVersion(v string) Option { return func(s *settings) { s.version = v } }

// WithLogger sets the logger for requests (Debug), retries (Info) and
// dropped retries (Debug). Logs never contain the access token or bodies.
// Default: no logging.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithRetry sets the retry policy; see RetryConfig.
func WithRetry(r RetryConfig) Option { return func(s *settings) { s.retry = r } }

// WithUserAgent adds a product token in front of the library's own in the
// User-Agent header, e.g. "acme-support/2.1".
func WithUserAgent(ua string) Option { return func(s *settings) { s.userAgent = ua } }

// NewClient returns a client that authenticates with token, a system-user
// or business-integration access token. It never fails: invalid options
// surface as an error on the first call.
func NewClient(token string, opts ...Option) *Client {
	s := settings{baseURL: DefaultBaseURL, version: DefaultAPIVersion}
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	c := &Client{
		creds:   &credentials{token: secret(token), authValue: []string{"Bearer " + token}},
		version: s.version,
		retry:   s.retry.withDefaults(),
		logger:  s.logger,
		jitter:  rand.Float64,
		guards:  s.guards,
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.userAgent = "wacloud-whatsapp-go/" + Version
	if s.userAgent != "" {
		c.userAgent = s.userAgent + " " + c.userAgent
	}
	c.userAgentValue = []string{c.userAgent}
	if s.httpClient != nil {
		hc := *s.httpClient
		c.httpClient = &hc
	} else {
		c.httpClient = &http.Client{}
	}
	c.httpClient.CheckRedirect = keepTokenOnOrigin(c.httpClient.CheckRedirect)
	c.prefix, c.configErr = buildPrefix(s.baseURL, s.version)
	c.rc = &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		RetryWaitMin: c.retry.MinBackoff,
		RetryWaitMax: c.retry.MaxBackoff,
		RetryMax:     c.retry.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c
}

// keepTokenOnOrigin wraps a redirect policy so that the bearer token
// follows a redirect only to the first request's origin (scheme, host and
// port). net/http already drops it for another host, but not for another
// port or a downgrade to http on the same host.
func keepTokenOnOrigin(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

func buildPrefix(base, version string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("whatsapp: WithBaseURL: invalid URL %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("whatsapp: WithBaseURL: want an absolute http(s) URL, got %q", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("whatsapp: WithBaseURL: URL must not carry credentials, a query or a fragment: %q", u.Redacted())
	}
	if version == "" || strings.ContainsAny(version, "/?#% ") {
		return "", fmt.Errorf("whatsapp: WithAPIVersion: invalid version %q", version)
	}
	p := strings.TrimSuffix(u.String(), "/")
	return p + "/" + version + "/", nil
}

// APIVersion returns the Graph API version the client calls.
func (c *Client) APIVersion() string { return c.version }

// String describes the client without its token.
func (c *Client) String() string { return "whatsapp.Client(" + c.prefix + ")" }

// GoString describes the client without its token.
func (c *Client) GoString() string { return c.String() }

// LogValue describes the client without its token.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

type credentials struct {
	token secret
	// authValue is the Authorization header's value slice, built once and
	// shared by every request (the transport never modifies it).
	authValue []string
}

// secret is a string that never prints itself.
type secret string

// String redacts the value.
func (secret) String() string { return "[REDACTED]" }

// GoString redacts the value.
func (secret) GoString() string { return `"[REDACTED]"` }

// LogValue redacts the value.
func (secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// Format redacts the value whatever the verb.
func (secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[REDACTED]") }

// pathSegment checks and escapes one id used in a request path (phone number
// id, WABA id, media id, template id, ...). It refuses values that would
// change the path: empty, "." or "..", or holding "/", "?", "#", "\" or
// control characters.
func pathSegment(field, id string) (string, error) {
	switch {
	case id == "":
		return "", &ValidationError{Field: field, Reason: "must not be empty"}
	case id == "." || id == "..":
		return "", &ValidationError{Field: field, Reason: "must not be a dot segment", Value: id}
	case len(id) > 256:
		return "", &ValidationError{Field: field, Reason: "must be at most 256 bytes", Value: id}
	}
	for i := 0; i < len(id); i++ {
		switch ch := id[i]; {
		case ch == '/' || ch == '?' || ch == '#' || ch == '\\' || ch == '%':
			return "", &ValidationError{Field: field, Reason: "must not contain " + strconv.QuoteRune(rune(ch)), Value: id}
		case ch < 0x20 || ch == 0x7f || ch == ' ':
			return "", &ValidationError{Field: field, Reason: "must not contain spaces or control characters", Value: id}
		}
	}
	return url.PathEscape(id), nil
}

// request describes one API call.
type request struct {
	method string
	path   string     // relative to the versioned prefix, already escaped
	query  url.Values // optional
	// body: either JSON (encoded by the pipeline) or a raw body with its
	// content type. A raw body func must return a fresh reader each call.
	json        any
	raw         func() (io.Reader, error)
	contentType string
	// absoluteURL replaces prefix+path when set (media downloads).
	absoluteURL string
	// idempotent overrides the method's own idempotency for the retry
	// policy: true lets 5xx and transport errors be retried.
	idempotent bool
	// noRetry forbids any retry: the body can be sent only once (a
	// caller's stream that cannot be rewound).
	noRetry bool
	// accept replaces the default Accept header (media downloads).
	accept string
	// errorBody, when set, receives the bounded body of an error response,
	// for endpoints whose failures carry partial results (block_users).
	errorBody *[]byte
}

// callState carries one call's retry bookkeeping between checkRetry and
// backoff, through the request's context.
type callState struct {
	req          *request
	fullPath     string
	pairFailures int
	limitedTries int
	wait         time.Duration
	apiErr       *APIError // decoded error of the last response, if any
	attempts     int
}

type callStateKey struct{}

// do performs a call: it encodes the body, sends it with auth, version and
// retries, and decodes a successful response into out (when out is not
// nil) or the failure into an *APIError.
func (c *Client) do(ctx context.Context, r *request, out any) error {
	_, err := c.doSent(ctx, r, out)
	return err
}

// doSent is do that also reports whether a request left the process: false
// when the call failed in its local checks (configuration, ids, encoding,
// an already ended context), so nothing can have reached the platform.
func (c *Client) doSent(ctx context.Context, r *request, out any) (sent bool, err error) {
	resp, st, err := c.send(ctx, r)
	if err != nil {
		return st != nil, err
	}
	return true, c.decodeResponse(resp, r, st, out)
}

// decodeResponse reads a successful response into out (when out is not
// nil) and closes it.
func (c *Client) decodeResponse(resp *http.Response, r *request, st *callState, out any) error {
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
		return nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return fmt.Errorf("whatsapp: %s %s: reading response: %w", r.method, st.fullPath, err)
	}
	if n > maxResponseBody {
		return fmt.Errorf("whatsapp: %s %s: response larger than %d bytes", r.method, st.fullPath, maxResponseBody)
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		return fmt.Errorf("whatsapp: %s %s: decoding response: %w", r.method, st.fullPath, err)
	}
	return nil
}

// send performs the call and returns the successful (2xx) response, whose
// body the caller must close. Failures come back as errors: *APIError for
// an error response, *ValidationError for a bad request, or a transport or
// context error.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, *callState, error) {
	if c.configErr != nil {
		return nil, nil, c.configErr
	}
	if c.creds.token == "" {
		return nil, nil, fmt.Errorf("whatsapp: no access token: %w", ErrUnauthorized)
	}
	if ctx == nil {
		return nil, nil, errors.New("whatsapp: nil context")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	st := &callState{req: r}
	target := r.absoluteURL
	if target == "" {
		target = c.prefix + r.path
		st.fullPath = "/" + c.version + "/" + r.path
	} else {
		st.fullPath = redactedURLPath(target)
	}
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}

	var body any
	contentType := r.contentType
	switch {
	case r.json != nil:
		b, err := marshalJSON(r.json)
		if err != nil {
			return nil, nil, fmt.Errorf("whatsapp: %s %s: encoding request: %w", r.method, st.fullPath, err)
		}
		body = b
		contentType = "application/json"
	case r.raw != nil:
		body = retryablehttp.ReaderFunc(r.raw)
	}

	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, callStateKey{}, st), r.method, target, body)
	if err != nil {
		return nil, nil, fmt.Errorf("whatsapp: %s %s: %w", r.method, st.fullPath, err)
	}
	h := req.Header
	h["Authorization"] = c.creds.authValue
	h["User-Agent"] = c.userAgentValue
	h["Accept"] = jsonValue
	if r.accept != "" {
		h["Accept"] = []string{r.accept}
	}
	switch contentType {
	case "":
	case "application/json":
		h["Content-Type"] = jsonValue
	default:
		h["Content-Type"] = []string{contentType}
	}

	start := time.Now()
	resp, err := c.rc.Do(req)
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{slog.String("method", r.method), slog.String("path", st.fullPath),
			slog.Int("attempts", st.attempts), slog.Duration("elapsed", time.Since(start))}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "whatsapp: request", attrs...)
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			if st.apiErr != nil {
				return nil, st, fmt.Errorf("whatsapp: %s %s: gave up: %w", r.method, st.fullPath, errors.Join(ctxErr, st.apiErr))
			}
			return nil, st, fmt.Errorf("whatsapp: %s %s: %w", r.method, st.fullPath, ctxErr)
		}
		if r.absoluteURL != "" {
			// A media URL carries signed query parameters: keep them out
			// of the error text.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = &url.Error{Op: ue.Op, URL: st.fullPath, Err: ue.Err}
			}
		}
		return nil, st, fmt.Errorf("whatsapp: %s %s: %w", r.method, st.fullPath, c.scrub(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, st, nil
	}
	defer resp.Body.Close()
	apiErr := st.apiErr
	if apiErr == nil || r.errorBody != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if apiErr == nil {
			apiErr = c.apiError(resp.StatusCode, resp.Header, b)
		}
		if r.errorBody != nil {
			*r.errorBody = b
		}
	}
	apiErr.Method, apiErr.Path = r.method, st.fullPath
	return nil, st, apiErr
}

// apiError decodes a failed response's (bounded) body and headers.
func (c *Client) apiError(status int, header http.Header, b []byte) *APIError {
	e := parseErrorBody(status, b)
	if ra, ok := parseRetryAfter(header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	} else if code, ok := LookupErrorCode(e.Code); ok && e.known() && code.Retry == RetryAfterWait {
		e.RetryAfter = code.Wait
	}
	// Defence in depth: should the platform ever echo the token, it must
	// not reach an error string.
	if tok := string(c.creds.token); len(tok) >= 8 {
		e.Message = strings.ReplaceAll(e.Message, tok, "[REDACTED]")
		e.Details = strings.ReplaceAll(e.Details, tok, "[REDACTED]")
		e.UserMessage = strings.ReplaceAll(e.UserMessage, tok, "[REDACTED]")
		e.Raw = bytes.ReplaceAll(e.Raw, []byte(tok), []byte("[REDACTED]"))
	}
	return e
}

// scrub removes the token from a transport error's text, should a custom
// transport have put it there.
func (c *Client) scrub(err error) error {
	tok := string(c.creds.token)
	if len(tok) < 8 || !strings.Contains(err.Error(), tok) {
		return err
	}
	return redactedError{msg: strings.ReplaceAll(err.Error(), tok, "[REDACTED]"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// redactedURLPath returns the path of an absolute URL, without its query
// (media URLs carry signed parameters).
func redactedURLPath(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Host + u.EscapedPath()
}

// checkRetry is the retry policy, called by go-retryablehttp after every
// attempt. It decides, gives its reason in the log, and leaves the wait for
// backoff in the call state.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		return false, err
	}
	st.attempts++
	if err != nil {
		// The attempt may have reached the platform: an earlier attempt's
		// error no longer describes the call.
		st.apiErr = nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	var retry bool
	var reason string
	if err != nil {
		retry, reason = c.decideTransport(st, err)
	} else {
		if resp.StatusCode < 400 {
			return false, nil
		}
		// Read the error now (bounded) so the policy can see its code, and
		// put the bytes back for whoever reads the response next.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		st.apiErr = c.apiError(resp.StatusCode, resp.Header, b)
		retry, reason = c.decideResponse(st, resp)
	}
	if retry && st.attempts >= c.retry.MaxAttempts {
		retry, reason = false, "attempts exhausted: "+reason
	}
	if retry && st.req.noRetry {
		retry, reason = false, "request body cannot be sent twice: "+reason
	}
	level := slog.LevelDebug
	msg := "whatsapp: not retrying"
	if retry {
		level, msg = slog.LevelInfo, "whatsapp: retrying"
	}
	if c.logger.Enabled(ctx, level) {
		attrs := []slog.Attr{slog.String("method", st.req.method), slog.String("path", st.fullPath),
			slog.Int("attempt", st.attempts), slog.String("reason", reason)}
		if retry {
			attrs = append(attrs, slog.Duration("wait", st.wait))
		}
		if st.apiErr != nil {
			attrs = append(attrs, slog.Int("code", st.apiErr.Code), slog.Int("status", st.apiErr.HTTPStatus))
		}
		c.logger.LogAttrs(ctx, level, msg, attrs...)
	}
	if !retry && err != nil {
		return false, err
	}
	return retry, nil
}

// idempotent reports whether repeating the call cannot duplicate its effect.
func (st *callState) idempotent() bool {
	switch st.req.method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		return true
	}
	return st.req.idempotent
}

func (c *Client) decideTransport(st *callState, err error) (bool, string) {
	if !isRetryableTransportError(err) {
		return false, "permanent transport error"
	}
	if !st.idempotent() && !c.retry.RetryUnsafe {
		return false, "transport error on a non-idempotent call (RetryUnsafe not set)"
	}
	st.wait = c.expBackoff(st.attempts - 1)
	return true, "transport error"
}

func (c *Client) decideResponse(st *callState, resp *http.Response) (bool, string) {
	e := st.apiErr
	if e.known() {
		if code, ok := LookupErrorCode(e.Code); ok {
			switch {
			case code.sentinel == ErrRateLimited:
				return c.waitFor(st, c.expBackoff(st.attempts-1), e.RetryAfter, "rate limited")
			case e.Code == 131056:
				if !c.retry.RetryPairRateLimit {
					return false, "pair rate limit (RetryPairRateLimit not set)"
				}
				wait := time.Second
				for range st.pairFailures {
					wait *= 4
				}
				st.pairFailures++
				return c.waitFor(st, wait, e.RetryAfter, "pair rate limit, documented wait 4^n s")
			case code.Retry == RetryNever:
				return false, "code not retryable: " + code.Name
			case code.Retry == RetryAfterWait:
				if code.Wait <= 0 {
					return false, "code needs a wait of unknown length: " + code.Name
				}
				return c.waitFor(st, code.Wait, e.RetryAfter, "documented wait: "+code.Name)
			case code.Retry == RetryLimited:
				if st.limitedTries >= 1 {
					return false, "limited retries used: " + code.Name
				}
				st.limitedTries++
			}
			return c.transientResponse(st, resp, "transient code: "+code.Name)
		}
		if e.Transient {
			return c.transientResponse(st, resp, "is_transient")
		}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return c.waitFor(st, c.expBackoff(st.attempts-1), e.RetryAfter, "HTTP 429")
	case resp.StatusCode >= 500:
		// An undecodable body or a code the table does not know.
		return c.transientResponse(st, resp, "server error")
	}
	return false, "client error"
}

// transientResponse decides a response that a retry may fix: a 4xx was
// refused by the platform, so repeating it is safe; a 5xx may have been
// carried out, so only idempotent calls are repeated.
func (c *Client) transientResponse(st *callState, resp *http.Response, reason string) (bool, string) {
	if resp.StatusCode >= 500 && !st.idempotent() && !c.retry.RetryUnsafe {
		return false, reason + " on a non-idempotent call (RetryUnsafe not set)"
	}
	return c.waitFor(st, c.expBackoff(st.attempts-1), st.apiErr.RetryAfter, reason)
}

// waitFor schedules a retry after the longer of the policy's wait and the
// server's Retry-After, unless that is longer than MaxBackoff.
func (c *Client) waitFor(st *callState, wait, retryAfter time.Duration, reason string) (bool, string) {
	if retryAfter > wait {
		wait = retryAfter
	}
	if wait > c.retry.MaxBackoff {
		if st.apiErr != nil && st.apiErr.RetryAfter < wait {
			st.apiErr.RetryAfter = wait
		}
		return false, fmt.Sprintf("%s: wait %s is longer than MaxBackoff", reason, wait)
	}
	st.wait = wait
	return true, reason
}

// expBackoff returns MinBackoff·2^n capped at MaxBackoff, with equal jitter
// (between half and all of it).
func (c *Client) expBackoff(n int) time.Duration {
	d := c.retry.MinBackoff
	for i := 0; i < n && d < c.retry.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.retry.MaxBackoff {
		d = c.retry.MaxBackoff
	}
	half := d / 2
	return half + time.Duration(c.jitter()*float64(d-half))
}

// backoff hands go-retryablehttp the wait checkRetry chose. The call state
// is reachable through the response's request; after a transport error
// there is no response, and the wait is plain exponential backoff.
func (c *Client) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Request != nil {
		if st, _ := resp.Request.Context().Value(callStateKey{}).(*callState); st != nil {
			return st.wait
		}
	}
	return c.expBackoff(attempt)
}

// isRetryableTransportError reports whether a transport error may go away
// on a retry: not a malformed URL, a redirect loop or a certificate problem.
func isRetryableTransportError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		switch {
		case strings.Contains(msg, "stopped after") && strings.Contains(msg, "redirects"),
			strings.Contains(msg, "unsupported protocol scheme"),
			strings.Contains(msg, "invalid header"),
			strings.Contains(msg, "certificate"):
			return false
		}
	}
	return true
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// jsonValue is the shared header value "application/json".
var jsonValue = []string{"application/json"}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { b := bufPool.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bufPool.Put(b)
	}
}

// marshalJSON encodes v like json.Marshal but without escaping <, > and &,
// which WhatsApp shows to users as typed. The result is a fresh slice: the
// transport may still read it after the call returns.
func marshalJSON(v any) ([]byte, error) {
	buf := getBuffer()
	defer putBuffer(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return bytes.Clone(b[:len(b)-1]), nil // drop Encode's newline
}

// success is the {"success": true} body of many management calls.
type success struct {
	Success bool `json:"success"`
}

// postSuccess posts body to path and checks the {"success": true} answer.
func (c *Client) postSuccess(ctx context.Context, path string, body any) error {
	return c.doSuccess(ctx, &request{method: http.MethodPost, path: path, json: body})
}

// doSuccess performs a call answered by {"success": true}, and treats any
// other answer as an error.
func (c *Client) doSuccess(ctx context.Context, r *request) error {
	var out success
	if err := c.do(ctx, r, &out); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("whatsapp: %s /%s/%s: the API answered success=false", r.method, c.version, r.path)
	}
	return nil
}
