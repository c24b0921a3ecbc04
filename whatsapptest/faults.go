package whatsapptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes requests fail or slow down, to test a client's error
// handling, retries and timeouts. Install one with Server.InjectFault.
type Fault struct {
	// Pattern selects the requests: an optional method, then a path
	// without the version whose segments are literal or {wildcards}, e.g.
	// "POST /{phone}/messages" or "/{id}/media". Empty: every request.
	Pattern string
	// Times is how many matching requests the fault applies to; 0 means 1,
	// a negative value means every matching request until ClearFaults.
	Times int
	// Code is the Graph error code to answer with, e.g. 130429 or 131000.
	Code int
	// HTTPStatus replaces the HTTP status the Cloud API uses with Code.
	// With Code 0 the server answers this status with a body that is not a
	// Graph error, as a proxy or load balancer in front of Meta would.
	HTTPStatus int
	// Details is the error_data.details of the answer.
	Details string
	// RetryAfter, when positive, is sent as a Retry-After header (whole
	// seconds).
	RetryAfter time.Duration
	// Latency delays the answer by this much on the server's clock; with
	// a fake clock the request waits until the test advances the clock (or
	// the client gives up). A fault with only a Latency lets the request
	// through after the wait.
	Latency time.Duration
	// Disconnect closes the connection without answering, so the client
	// sees a transport error.
	Disconnect bool
}

type faultState struct {
	Fault
	match matcher
	left  int // < 0: unlimited
}

// InjectFault installs f. Faults apply in the order they were installed;
// a request consumes at most one of them.
func (s *Server) InjectFault(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultState{Fault: f, match: compilePattern(f.Pattern), left: left})
	s.mu.Unlock()
}

// FailNext makes the next n requests, whatever they are, fail with the
// Graph error code.
func (s *Server) FailNext(n, code int) { s.InjectFault(Fault{Times: n, Code: code}) }

// ClearFaults removes every fault and the latency set by SetLatency.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults, s.latency = nil, 0
	s.mu.Unlock()
}

// SetLatency delays every answer by d on the server's clock (0 removes the
// delay). See Fault.Latency for how the wait behaves on a fake clock.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// applyFaults applies the latency and the first matching fault to c. It
// reports whether the request was answered (or dropped).
func (s *Server) applyFaults(c *call) bool {
	s.mu.Lock()
	latency := s.latency
	var f *Fault
	for i, st := range s.faults {
		if st.left == 0 || !st.match(c.r.Method, c.path) {
			continue
		}
		if st.left > 0 {
			st.left--
		}
		copied := st.Fault
		f = &copied
		if st.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		break
	}
	s.mu.Unlock()
	if f != nil {
		latency += f.Latency
	}
	if latency > 0 && !s.wait(c, latency) {
		c.wrote, c.status = true, 499 // the client went away, or the server closed
		return true
	}
	switch {
	case f == nil:
		return false
	case f.Disconnect:
		c.wrote, c.status = true, 0
		if conn, _, err := http.NewResponseController(c.w).Hijack(); err == nil {
			conn.Close()
		} else {
			panic(http.ErrAbortHandler)
		}
		return true
	case f.RetryAfter > 0:
		c.w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	switch {
	case f.Code != 0:
		c.fail(&apiError{code: f.Code, status: f.HTTPStatus, details: f.Details})
		return true
	case f.HTTPStatus != 0:
		c.wrote, c.status = true, f.HTTPStatus
		c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		c.w.WriteHeader(f.HTTPStatus)
		c.w.Write([]byte(http.StatusText(f.HTTPStatus) + "\n"))
		return true
	}
	return false
}

// wait waits latency on the server's clock before c is served. It reports
// false when the client went away or the server was closed first.
//
// The request body is read first (when it is small enough to hold), so that
// the HTTP server notices a client that hangs up and cancels the request's
// context.
func (s *Server) wait(c *call, latency time.Duration) bool {
	if c.r.Body != nil && c.r.ContentLength <= maxJSONBody {
		b, err := io.ReadAll(io.LimitReader(c.r.Body, maxJSONBody+1))
		c.r.Body.Close()
		if err != nil {
			return false
		}
		c.r.Body = io.NopCloser(bytes.NewReader(b))
	}
	ctx, cancel := context.WithCancel(c.r.Context())
	defer cancel()
	stop := context.AfterFunc(s.hookCtx, cancel)
	defer stop()
	return s.Clock.WaitUntil(ctx, c.at.Add(latency)) == nil
}

// override is a handler replacing a built-in endpoint.
type override struct {
	match   matcher
	h       http.Handler
	pattern string
}

// Handle makes h answer the requests matching pattern (a Fault.Pattern,
// e.g. "GET /{media-id}"), in place of the built-in endpoint. The token is
// checked and faults apply before h is called. Later calls take
// precedence; a nil h removes the overrides of that pattern.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		keep := s.overrides[:0]
		for _, o := range s.overrides {
			if o.pattern != pattern {
				keep = append(keep, o)
			}
		}
		s.overrides = keep
		return
	}
	s.overrides = append([]override{{match: compilePattern(pattern), h: h, pattern: pattern}}, s.overrides...)
}

func (s *Server) override(method, path string) http.Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.overrides {
		if o.match(method, path) {
			return o.h
		}
	}
	return nil
}

// matcher reports whether a request matches a pattern.
type matcher func(method, path string) bool

// compilePattern compiles "[METHOD ]/seg/{wild}/seg".
func compilePattern(p string) matcher {
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string, string) bool { return true }
	}
	method := ""
	if i := strings.IndexByte(p, ' '); i > 0 {
		method, p = strings.ToUpper(p[:i]), strings.TrimSpace(p[i+1:])
	}
	want := strings.Split(strings.Trim(p, "/"), "/")
	return func(m, path string) bool {
		if method != "" && m != method {
			return false
		}
		path = strings.Trim(path, "/")
		for i := 0; i < len(want); i++ {
			seg, rest, _ := strings.Cut(path, "/")
			if seg == "" && path == "" {
				return false
			}
			w := want[i]
			if !(strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}")) && w != seg {
				return false
			}
			path = rest
			if i == len(want)-1 {
				return path == ""
			}
		}
		return false
	}
}
