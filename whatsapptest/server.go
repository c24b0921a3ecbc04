package whatsapptest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wacloud/whatsapp"
)

// Defaults of a new Server. Tests that do not care about the values use
// the Server's fields instead (srv.PhoneNumberID, srv.Token, ...).
const (
	// DefaultToken is the access token the server accepts unless WithToken
	// says otherwise.
	DefaultToken = "whatsapptest-token"
	// DefaultAppSecret is the app secret webhooks are signed with unless
	// WithAppSecret says otherwise.
	DefaultAppSecret = "whatsapptest-app-secret"
	// DefaultPhoneNumberID is the id of the business phone number the
	// server serves unless WithPhoneNumber adds others.
	DefaultPhoneNumberID = "100000000000001"
	// DefaultDisplayPhoneNumber is that number as users see it.
	DefaultDisplayPhoneNumber = "15550000001"
	// DefaultWABAID is the id of the WhatsApp Business Account.
	DefaultWABAID = "200000000000001"
)

const (
	maxJSONBody   = 1 << 20  // request bodies other than uploads
	maxRecordBody = 64 << 10 // bytes of a non-JSON body kept in Request
)

// Server is a fake WhatsApp Business Cloud API. It serves the Cloud API's
// paths under any version prefix (/v23.0/..., /v24.0/...), checks requests
// with the library's own validation and rule code, answers with Meta's JSON
// shapes and error codes, simulates users, and delivers signed webhooks.
//
// Create one with NewServer (started) or NewUnstartedServer, point a client
// at it with Client, and Close it at the end of the test:
//
//	srv := whatsapptest.NewServer()
//	defer srv.Close()
//	client := srv.Client()
//
// A Server is safe for concurrent use. The exported fields are set by
// NewServer and must not be changed.
type Server struct {
	// URL is the base URL of the server, for whatsapp.WithBaseURL, e.g.
	// "http://127.0.0.1:41234". Empty until Start.
	URL string
	// Token is the access token the server accepts.
	Token string
	// AppSecret signs the webhooks the server delivers.
	AppSecret string
	// PhoneNumberID is the id of the default business phone number.
	PhoneNumberID string
	// WABAID is the id of the WhatsApp Business Account.
	WABAID string
	// Clock is the server's time; a test moves it with Advance and Set.
	Clock *Clock

	cfg       config
	ts        *httptest.Server
	transport *http.Transport

	mu            sync.Mutex
	changed       chan struct{} // closed and replaced when anything is recorded
	waiting       int           // goroutines in waitFor, which watch changed
	seq           uint64        // ids
	numbers       map[string]*phoneNumber
	order         []string // phone number ids in order of creation
	users         map[userKey]*user
	requests      []Request
	sent          []*SentMessage
	byTo          map[string][]int
	reads         []ReadReceipt
	inbound       map[string]*inboundRecord
	undeliverable map[string]bool
	faults        []*faultState
	overrides     []override
	latency       time.Duration
	hooks         hookQueue
	templates     []*template
	media         map[string]*mediaFile
	subscribed    bool
	overrideURL   string
	throughput    *whatsapp.Throughput
	pairs         *whatsapp.PairLimiter

	stop chan struct{}
	done chan struct{}
	kick chan struct{}
	once sync.Once

	traces atomic.Uint64

	// hookCtx is cancelled by Close, ending a webhook delivery in
	// progress.
	hookCtx    context.Context
	hookCancel context.CancelFunc
}

// NewServer starts and returns a fake Cloud API server on a loopback port.
// Close it when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a server that is configured but not started;
// call Start. A Server is also an http.Handler that can be mounted in a
// server of your own (with the version as the first path segment), but
// only Start runs the webhook deliveries.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if len(cfg.numbers) == 0 {
		cfg.numbers = []whatsapp.PhoneNumber{{ID: DefaultPhoneNumberID, DisplayPhoneNumber: DefaultDisplayPhoneNumber, VerifiedName: "Whatsapptest"}}
	}
	if cfg.clock == nil {
		cfg.clock = NewClock(time.Now().Truncate(time.Second))
	}
	s := &Server{
		Token:         cfg.token,
		AppSecret:     cfg.appSecret,
		PhoneNumberID: cfg.numbers[0].ID,
		WABAID:        cfg.wabaID,
		Clock:         cfg.clock,
		cfg:           cfg,
		changed:       make(chan struct{}),
		numbers:       make(map[string]*phoneNumber),
		users:         make(map[userKey]*user),
		byTo:          make(map[string][]int),
		inbound:       make(map[string]*inboundRecord),
		undeliverable: make(map[string]bool),
		media:         make(map[string]*mediaFile),
		subscribed:    true,
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		kick:          make(chan struct{}, 1),
	}
	for _, n := range cfg.numbers {
		s.addNumberLocked(n)
	}
	if cfg.throughput != "" {
		s.throughput = &whatsapp.Throughput{Clock: s.Clock.Now}
		for _, n := range cfg.numbers {
			s.throughput.SetLevel(n.ID, cfg.throughput)
		}
	}
	if cfg.pairLimit {
		s.pairs = &whatsapp.PairLimiter{Clock: s.Clock.Now}
	}
	for _, n := range cfg.undelivered {
		s.undeliverable[waID(n)] = true
	}
	s.hooks.target = cfg.webhook
	s.hooks.client = cfg.hookClient
	s.hookCtx, s.hookCancel = context.WithCancel(context.Background())
	s.ts = httptest.NewUnstartedServer(s)
	if cfg.listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = cfg.listener
	}
	s.transport = &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
	}
	return s
}

// Start starts the server on a loopback port and sets URL. It panics if
// the server was already started, as httptest.Server.Start does.
func (s *Server) Start() {
	s.ts.Start()
	s.URL = s.ts.URL
	s.hooks.baseURL = s.URL
	go s.dispatch()
}

// Close shuts the server down: it stops delivering webhooks (pending ones
// are dropped: call Flush first to wait for them), closes the listener and
// every connection, and returns when no goroutine of the server is left.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		s.hookCancel()
		if s.URL != "" {
			<-s.done
		}
		s.ts.Close()
		s.transport.CloseIdleConnections()
		if s.hooks.client != nil && s.cfg.hookClient == nil {
			s.hooks.client.CloseIdleConnections()
		}
	})
}

// Client returns a whatsapp.Client that calls this server with its token.
// Options given here are applied after the server's (WithBaseURL,
// WithHTTPClient), so they may replace them. The client keeps the library's
// default retry policy; pass whatsapp.WithRetry to change it.
func (s *Server) Client(opts ...whatsapp.Option) *whatsapp.Client {
	all := make([]whatsapp.Option, 0, 2+len(opts))
	all = append(all,
		whatsapp.WithBaseURL(s.URL),
		whatsapp.WithHTTPClient(&http.Client{Transport: s.transport}),
	)
	all = append(all, opts...)
	return whatsapp.NewClient(s.Token, all...)
}

// HTTPClient returns an *http.Client for raw calls to the server, sharing
// the connection pool of the clients Client returns. Close releases its
// connections.
func (s *Server) HTTPClient() *http.Client { return &http.Client{Transport: s.transport} }

// notifyLocked wakes everything waiting for a change (Wait* methods,
// Flush). Call it with s.mu held.
func (s *Server) notifyLocked() {
	if s.waiting == 0 {
		return // nobody holds the channel: no need for a new one
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (called with s.mu held) is true or ctx is
// done.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	s.mu.Lock()
	s.waiting++
	defer func() {
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}()
	for {
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
		s.mu.Lock()
	}
}

// nextID returns a fresh sequence number.
func (s *Server) nextID() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextIDLocked()
}

// nextIDLocked returns a fresh sequence number.
func (s *Server) nextIDLocked() uint64 {
	s.seq++
	return s.seq
}

// call is one request being served.
type call struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	version string
	path    string   // without the version: "/1055/messages"
	segs    []string // path segments after the version
	at      time.Time
	body    []byte // the JSON body, once read
	status  int
	code    int // Graph error code answered, 0 on success
	trace   string
	wrote   bool
	buf     []byte
}

// ServeHTTP serves one Cloud API request. A Server can be mounted in a
// server of your own; it expects the version as the first path segment.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, w: w, r: r, at: s.Clock.Now()}
	c.trace = "AFake" + strconv.FormatUint(s.traces.Add(1), 36)
	defer s.record(c)

	p := r.URL.Path
	if strings.HasPrefix(p, mediaDownloadPrefix) {
		s.serveDownload(c)
		return
	}
	if s.cfg.control && strings.HasPrefix(p, controlPrefix) {
		s.serveControl(c)
		return
	}
	version, rest, ok := splitVersion(p)
	if !ok {
		c.fail(&apiError{code: 2500, title: "Unknown path components", details: "Unknown path components: " + p})
		return
	}
	c.version, c.path = version, rest
	c.segs = strings.Split(strings.Trim(rest, "/"), "/")
	if !s.authorized(r) {
		c.fail(&apiError{code: 190, details: "The access token could not be decrypted or is invalid"})
		return
	}
	if s.applyFaults(c) {
		return
	}
	if h := s.override(r.Method, rest); h != nil {
		rw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(rw, r)
		c.wrote, c.status = true, rw.statusOr200()
		return
	}
	s.route(c)
}

// splitVersion splits "/v23.0/1055/messages" into "v23.0" and
// "/1055/messages". Any version of the form vN.N is accepted.
func splitVersion(p string) (version, rest string, ok bool) {
	p = strings.TrimPrefix(p, "/")
	i := strings.IndexByte(p, '/')
	if i <= 0 {
		return "", "", false
	}
	v := p[:i]
	if len(v) < 4 || v[0] != 'v' {
		return "", "", false
	}
	dot := strings.IndexByte(v, '.')
	if dot < 2 || dot == len(v)-1 || !digits(v[1:dot]) || !digits(v[dot+1:]) {
		return "", "", false
	}
	return v, p[i:], len(p) > i+1
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// authorized checks the bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.Token)) == 1
}

// route dispatches to the built-in endpoints.
func (s *Server) route(c *call) {
	segs, m := c.segs, c.r.Method
	if len(segs) == 2 && segs[1] == "messages" && m == http.MethodPost {
		s.handleMessages(c, segs[0])
		return
	}
	switch len(segs) {
	case 1:
		s.mu.Lock()
		s.reviewTemplatesLocked(c.at)
		t := s.templateByIDLocked(segs[0])
		s.mu.Unlock()
		switch {
		case t != nil && m == http.MethodGet:
			s.getTemplate(c, t)
			return
		case t != nil && m == http.MethodPost:
			s.editTemplate(c, segs[0])
			return
		case s.mediaObject(c, segs[0]):
			return
		}
	case 2:
		if segs[1] == "media" && m == http.MethodPost {
			s.mu.Lock()
			_, ok := s.numbers[segs[0]]
			s.mu.Unlock()
			if ok {
				s.upload(c, segs[0])
				return
			}
		}
		if segs[1] == "message_templates" {
			if segs[0] != s.WABAID {
				break
			}
			switch m {
			case http.MethodGet:
				s.listTemplates(c)
				return
			case http.MethodPost:
				s.createTemplate(c)
				return
			case http.MethodDelete:
				s.deleteTemplates(c)
				return
			}
		}
	}
	if s.routePhone(c) {
		return
	}
	c.unsupported()
}

// unsupported answers the Graph API's error for a path or method it does
// not serve.
func (c *call) unsupported() {
	id := ""
	if len(c.segs) > 0 {
		id = c.segs[0]
	}
	c.fail(&apiError{code: 100, subcode: 33, title: "Invalid parameter",
		details: "Unsupported " + strings.ToLower(c.r.Method) + " request. Object with ID '" + id +
			"' does not exist, cannot be loaded due to missing permissions, or does not support this operation"})
}

// readJSON reads the request body (at most maxJSONBody bytes) into c.body.
// It answers the error itself and returns false when the body cannot be
// read.
func (c *call) readJSON() bool {
	r := http.MaxBytesReader(c.w, c.r.Body, maxJSONBody)
	buf := bytes.NewBuffer(make([]byte, 0, 512))
	if _, err := buf.ReadFrom(r); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.fail(&apiError{code: 100, details: "request body larger than " + strconv.Itoa(maxJSONBody) + " bytes"})
		} else {
			c.fail(&apiError{code: 100, details: "reading request body: " + err.Error()})
		}
		return false
	}
	c.body = buf.Bytes()
	return true
}

// decodeJSON reads the body and decodes it into v, answering 100 when it
// is not a JSON object of the right shape. A form-encoded body is accepted
// too, as the Graph API accepts parameters either way: each form value is
// decoded as JSON if it parses, as a string otherwise.
func (c *call) decodeJSON(v any) bool {
	if !c.readJSON() {
		return false
	}
	body := c.body
	if ct := c.r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			c.fail(&apiError{code: 100, details: "malformed form body"})
			return false
		}
		obj := make(map[string]json.RawMessage, len(vals))
		for k, vs := range vals {
			val := vs[len(vs)-1]
			if json.Valid([]byte(val)) && val != "" && (val[0] == '{' || val[0] == '[') {
				obj[k] = json.RawMessage(val)
			} else {
				obj[k], _ = json.Marshal(val)
			}
		}
		body, _ = json.Marshal(obj)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		c.fail(&apiError{code: 100, details: "request body is not valid: " + err.Error()})
		return false
	}
	return true
}

// fail answers e in the Graph error envelope.
func (c *call) fail(e *apiError) {
	status := e.status
	if status == 0 {
		status = statusFor(e.code)
	}
	c.code = e.code
	c.buf = appendError(c.buf[:0], e, c.trace)
	c.write(status, c.buf)
}

// json answers v encoded as JSON.
func (c *call) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.fail(&apiError{code: 1, details: "encoding response: " + err.Error()})
		return
	}
	c.write(status, b)
}

// success answers {"success":true}.
func (c *call) success() { c.write(http.StatusOK, []byte(`{"success":true}`)) }

func (c *call) write(status int, body []byte) {
	if c.wrote {
		return
	}
	c.wrote, c.status = true, status
	h := c.w.Header()
	h["Content-Type"] = jsonContentType
	h["Facebook-Api-Version"] = []string{c.version}
	h["X-Fb-Trace-Id"] = []string{c.trace}
	c.w.WriteHeader(status)
	c.w.Write(body)
}

var jsonContentType = []string{"application/json; charset=UTF-8"}

// record keeps the request in the traffic log.
func (s *Server) record(c *call) {
	if !c.wrote {
		// A handler that wrote nothing (an override, a dropped
		// connection) answers 200 with an empty body.
		c.status = http.StatusOK
	}
	req := Request{
		Method:     c.r.Method,
		Path:       c.r.URL.Path,
		Version:    c.version,
		rawQuery:   c.r.URL.RawQuery,
		Header:     c.r.Header, // redacted when read
		Body:       c.body,
		StatusCode: c.status,
		ErrorCode:  c.code,
		At:         c.at,
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.notifyLocked()
	s.mu.Unlock()
}

// redactHeader returns a copy of h with the Authorization value redacted.
func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if k == "Authorization" {
			out[k] = []string{"Bearer [REDACTED]"}
			continue
		}
		out[k] = v
	}
	return out
}

// statusWriter remembers the status an override answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readAllLimited reads at most n bytes of r, for recording.
func readAllLimited(r io.Reader, n int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r, n))
	return b
}
