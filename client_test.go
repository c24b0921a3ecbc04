package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wacloud/whatsapp/internal/oapi"
)

// retryTestServer answers each attempt with the next scripted response and
// records what it received. It runs in-process (no socket) so the retry
// tests can run inside a synctest bubble, where waits take no real time.
type retryTestServer struct {
	mu      sync.Mutex
	script  []retryTestResponse
	bodies  []string
	methods []string
}

type retryTestResponse struct {
	status int
	header map[string]string
	body   string
	err    error  // a transport error instead of a response
	before func() // runs when the attempt arrives
}

func (s *retryTestServer) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	s.bodies = append(s.bodies, string(b))
	s.methods = append(s.methods, r.Method)
	i := len(s.bodies) - 1
	if i >= len(s.script) {
		i = len(s.script) - 1
	}
	resp := s.script[i]
	if resp.before != nil {
		resp.before()
	}
	if resp.err != nil {
		return nil, resp.err
	}
	rec := httptest.NewRecorder()
	for k, v := range resp.header {
		rec.Header().Set(k, v)
	}
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(resp.status)
	rec.WriteString(resp.body)
	res := rec.Result()
	res.Request = r
	return res, nil
}

func (s *retryTestServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func retryTestClient(srv *retryTestServer, cfg RetryConfig) *Client {
	c := NewClient("test-token", WithBaseURL("http://graph.test"), WithHTTPClient(&http.Client{Transport: srv}), WithRetry(cfg))
	c.jitter = func() float64 { return 1 } // the full backoff, so waits are exact
	return c
}

func graphErr(code int, transient bool) string {
	return fmt.Sprintf(`{"error":{"message":"(#%d) test","type":"OAuthException","code":%d,"error_data":{"messaging_product":"whatsapp","details":"detail %d"},"is_transient":%t,"fbtrace_id":"Atrace"}}`, code, code, code, transient)
}

const okSend = `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.OK"}]}`

var textMsg = Message{To: testTo, Content: Text{Body: "hello"}}

func TestRetryPolicy(t *testing.T) {
	base := RetryConfig{MaxAttempts: 5, MinBackoff: time.Second, MaxBackoff: 30 * time.Second}
	errResp := func(status, code int, transient bool) retryTestResponse {
		return retryTestResponse{status: status, body: graphErr(code, transient)}
	}
	ok := retryTestResponse{status: 200, body: okSend}
	cases := []struct {
		name         string
		cfg          RetryConfig
		method       string // "" sends a text message (POST)
		script       []retryTestResponse
		wantAttempts int
		wantElapsed  time.Duration
		wantErr      error // nil: success
	}{
		{"130429 retried with exponential backoff", base, "",
			[]retryTestResponse{errResp(400, 130429, true), errResp(400, 130429, true), ok}, 3, 1*time.Second + 2*time.Second, nil},
		{"80007 retried", base, "",
			[]retryTestResponse{errResp(400, 80007, false), ok}, 2, time.Second, nil},
		{"code 4 retried", base, "",
			[]retryTestResponse{errResp(403, 4, false), ok}, 2, time.Second, nil},
		{"Retry-After honoured", base, "",
			[]retryTestResponse{{status: 429, header: map[string]string{"Retry-After": "7"}, body: graphErr(130429, true)}, ok}, 2, 7 * time.Second, nil},
		{"HTTP 429 without a body retried", base, "",
			[]retryTestResponse{{status: 429, body: "slow down"}, ok}, 2, time.Second, nil},
		{"Retry-After beyond MaxBackoff is not slept", base, "",
			[]retryTestResponse{{status: 400, header: map[string]string{"Retry-After": "3600"}, body: graphErr(80007, false)}, ok}, 1, 0, ErrRateLimited},
		{"131047 never retried", base, "",
			[]retryTestResponse{errResp(400, 131047, false), ok}, 1, 0, ErrWindowClosed},
		{"131026 never retried", base, "",
			[]retryTestResponse{errResp(400, 131026, false), ok}, 1, 0, ErrUndeliverable},
		{"132000 never retried even if marked transient", base, "",
			[]retryTestResponse{errResp(400, 132000, true), ok}, 1, 0, ErrTemplateParams},
		{"validation error 100 never retried", base, "",
			[]retryTestResponse{errResp(400, 100, false), ok}, 1, 0, nil /* checked below */},
		{"POST 500 not retried by default", base, "",
			[]retryTestResponse{{status: 500, body: "oops"}, ok}, 1, 0, nil},
		{"POST 500 retried with RetryUnsafe", RetryConfig{MaxAttempts: 5, MinBackoff: time.Second, MaxBackoff: 30 * time.Second, RetryUnsafe: true}, "",
			[]retryTestResponse{{status: 500, body: "oops"}, {status: 503, body: "oops"}, ok}, 3, 3 * time.Second, nil},
		{"GET 500 retried", base, http.MethodGet,
			[]retryTestResponse{{status: 500, body: "oops"}, {status: 502, body: ""}, {status: 200, body: `{}`}}, 3, 3 * time.Second, nil},
		{"GET 503 with an unknown code retried", base, http.MethodGet,
			[]retryTestResponse{errResp(503, 999999, false), {status: 200, body: `{}`}}, 2, time.Second, nil},
		{"POST 503 with an unknown code not retried", base, "",
			[]retryTestResponse{errResp(503, 999999, false), ok}, 1, 0, nil},
		{"DELETE 503 retried", base, http.MethodDelete,
			[]retryTestResponse{{status: 503, body: ""}, {status: 200, body: `{}`}}, 2, time.Second, nil},
		{"transient code on a 4xx POST retried", base, "",
			[]retryTestResponse{errResp(400, 131016, false), ok}, 2, time.Second, nil},
		{"unknown code marked is_transient retried", base, "",
			[]retryTestResponse{errResp(400, 999999, true), ok}, 2, time.Second, nil},
		{"unknown code not transient not retried", base, "",
			[]retryTestResponse{errResp(400, 999999, false), ok}, 1, 0, nil},
		{"limited code 131000 retried once", base, "",
			[]retryTestResponse{errResp(400, 131000, false), errResp(400, 131000, false), ok}, 2, time.Second, nil},
		{"transient code on a POST 5xx not retried", base, "",
			[]retryTestResponse{errResp(500, 2, true), ok}, 1, 0, nil},
		{"131056 not retried by default", base, "",
			[]retryTestResponse{errResp(400, 131056, false), ok}, 1, 0, ErrPairRateLimited},
		{"131056 waits 4^n seconds", RetryConfig{MaxAttempts: 5, MinBackoff: time.Second, MaxBackoff: 30 * time.Second, RetryPairRateLimit: true}, "",
			[]retryTestResponse{errResp(400, 131056, false), errResp(400, 131056, false), errResp(400, 131056, false), ok}, 4, (1 + 4 + 16) * time.Second, nil},
		{"131056 gives up when 4^n passes MaxBackoff", RetryConfig{MaxAttempts: 9, MinBackoff: time.Second, MaxBackoff: 30 * time.Second, RetryPairRateLimit: true}, "",
			[]retryTestResponse{errResp(400, 131056, false)}, 4, (1 + 4 + 16) * time.Second, ErrPairRateLimited},
		{"attempts exhausted", RetryConfig{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: 30 * time.Second}, "",
			[]retryTestResponse{errResp(400, 130429, true)}, 3, 3 * time.Second, ErrRateLimited},
		{"backoff capped at MaxBackoff", RetryConfig{MaxAttempts: 4, MinBackoff: 4 * time.Second, MaxBackoff: 5 * time.Second}, "",
			[]retryTestResponse{errResp(400, 130429, true), errResp(400, 130429, true), errResp(400, 130429, true), ok}, 4, 4*time.Second + 5*time.Second + 5*time.Second, nil},
		{"MaxAttempts 1 disables retries", RetryConfig{MaxAttempts: 1}, "",
			[]retryTestResponse{errResp(400, 130429, true), ok}, 1, 0, ErrRateLimited},
		{"transport error on POST not retried", base, "",
			[]retryTestResponse{{err: errors.New("connection reset")}, ok}, 1, 0, nil},
		{"transport error on GET retried", base, http.MethodGet,
			[]retryTestResponse{{err: errors.New("connection reset")}, {status: 200, body: `{}`}}, 2, time.Second, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := &retryTestServer{script: tc.script}
				c := retryTestClient(srv, tc.cfg)
				start := time.Now()
				var err error
				if tc.method == "" {
					_, err = c.Send(context.Background(), "1055", textMsg)
				} else {
					err = c.do(context.Background(), &request{method: tc.method, path: "1055"}, nil)
				}
				elapsed := time.Since(start)
				if got := srv.attempts(); got != tc.wantAttempts {
					t.Errorf("attempts = %d, want %d (err %v)", got, tc.wantAttempts, err)
				}
				if elapsed != tc.wantElapsed {
					t.Errorf("elapsed = %v, want %v", elapsed, tc.wantElapsed)
				}
				last := tc.script[min(tc.wantAttempts, len(tc.script))-1]
				switch {
				case last.status == 200:
					if err != nil {
						t.Errorf("err = %v, want success", err)
					}
				case err == nil:
					t.Errorf("err = nil, want failure")
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Errorf("err = %v, want it to match %v", err, tc.wantErr)
				}
				for i, b := range srv.bodies {
					if b != srv.bodies[0] {
						t.Errorf("attempt %d body %q differs from the first %q", i+1, b, srv.bodies[0])
					}
				}
			})
		})
	}
}

func TestRetryAfterOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &retryTestServer{script: []retryTestResponse{{status: 400, header: map[string]string{"Retry-After": "3600"}, body: graphErr(80007, false)}}}
		c := retryTestClient(srv, RetryConfig{MaxAttempts: 4})
		_, err := c.Send(context.Background(), "1055", textMsg)
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want *APIError", err)
		}
		if ae.RetryAfter != time.Hour {
			t.Errorf("RetryAfter = %v, want 1h", ae.RetryAfter)
		}
		srv = &retryTestServer{script: []retryTestResponse{{status: 400, body: graphErr(132015, false)}}}
		c = retryTestClient(srv, RetryConfig{MaxAttempts: 4})
		_, err = c.Send(context.Background(), "1055", textMsg)
		if !errors.As(err, &ae) || ae.RetryAfter != 3*time.Hour || !errors.Is(err, ErrTemplatePaused) {
			t.Errorf("132015: err = %v, RetryAfter %v; want the documented 3h pause", err, ae.RetryAfter)
		}
		if srv.attempts() != 1 {
			t.Errorf("132015 attempts = %d, want 1", srv.attempts())
		}
	})
}

// TestRetryStopsOnCancel: a context that ends during a backoff wait ends
// the call at once, and the error still says why the last attempt failed.
func TestRetryStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &retryTestServer{script: []retryTestResponse{{status: 429, header: map[string]string{"Retry-After": "20"}, body: graphErr(130429, true)}}}
		c := retryTestClient(srv, RetryConfig{MaxAttempts: 10, MaxBackoff: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Send(ctx, "1055", textMsg)
		if elapsed := time.Since(start); elapsed != 3*time.Second {
			t.Errorf("elapsed = %v, want 3s (the deadline)", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRateLimited) {
			t.Errorf("err = %v, want DeadlineExceeded and ErrRateLimited", err)
		}
		if srv.attempts() != 1 {
			t.Errorf("attempts = %d, want 1", srv.attempts())
		}

		// Already cancelled: no attempt at all.
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		_, err = c.Send(ctx, "1055", textMsg)
		if !errors.Is(err, context.Canceled) || srv.attempts() != 1 {
			t.Errorf("cancelled ctx: err = %v, attempts %d", err, srv.attempts())
		}
	})
}

func TestJitterBounds(t *testing.T) {
	c := NewClient("t", WithRetry(RetryConfig{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}))
	for n := 0; n < 8; n++ {
		d := time.Second << n
		if d > 10*time.Second {
			d = 10 * time.Second
		}
		for _, j := range []float64{0, 0.5, 0.999} {
			c.jitter = func() float64 { return j }
			got := c.expBackoff(n)
			if got < d/2 || got > d {
				t.Errorf("expBackoff(%d) with jitter %v = %v, want within [%v, %v]", n, j, got, d/2, d)
			}
		}
	}
}

// TestRetryOverHTTP runs the policy end to end through a real socket.
func TestRetryOverHTTP(t *testing.T) {
	client, mux := testSetup(t, WithRetry(RetryConfig{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	var n atomic.Int32
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, 400, graphErr(130429, true))
			return
		}
		writeJSON(w, 200, okSend)
	})
	res, err := client.Send(context.Background(), "1055", textMsg)
	if err != nil || res.MessageID != "wamid.OK" || n.Load() != 2 {
		t.Fatalf("res %+v, err %v, attempts %d", res, err, n.Load())
	}
}

func TestAPIErrorFromResponse(t *testing.T) {
	client, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_subcode":2494010,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"error_user_title":"Outside window","error_user_msg":"Send a template","fbtrace_id":"AzYwXyZ"}}`)
	})
	_, err := client.Send(context.Background(), "1055", textMsg)
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %T %v", err, err)
	}
	want := APIError{Code: 131047, Subcode: 2494010, Type: "OAuthException", Message: "(#131047) Re-engagement message",
		Title: "Outside window", UserMessage: "Send a template",
		Details:   "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
		FBTraceID: "AzYwXyZ", HTTPStatus: 400, Method: "POST", Path: "/v23.0/1055/messages"}
	if ae.Code != want.Code || ae.Subcode != want.Subcode || ae.Type != want.Type || ae.Message != want.Message ||
		ae.Details != want.Details || ae.FBTraceID != want.FBTraceID || ae.HTTPStatus != want.HTTPStatus ||
		ae.Method != want.Method || ae.Path != want.Path || ae.Title != want.Title || ae.UserMessage != want.UserMessage {
		t.Errorf("got  %+v\nwant %+v", *ae, want)
	}
	if !errors.Is(err, ErrWindowClosed) || errors.Is(err, ErrRateLimited) {
		t.Errorf("sentinel matching wrong for %v", err)
	}
	if ae.RetryClass() != RetryNever {
		t.Errorf("RetryClass = %v", ae.RetryClass())
	}
	// The fixture is the shape Meta's OpenAPI file gives for errors.
	oapi.Load(t).CheckSchema(t, "GraphAPIError", []byte(graphErr(131047, false)))
	wantMsg := "whatsapp: POST /v23.0/1055/messages: 400 (#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number."
	if err.Error() != wantMsg {
		t.Errorf("Error() =\n%q\nwant\n%q", err.Error(), wantMsg)
	}
}

// TestAPIErrorUnparseableBody: a body that is not a Graph error still
// yields an *APIError with the status and the (truncated) raw body.
func TestAPIErrorUnparseableBody(t *testing.T) {
	for _, body := range []string{"<html>Bad Gateway</html>", "", `{"error":"nope"}`, `{"error":{}}`, strings.Repeat("x", 2<<20)} {
		client, mux := testSetup(t)
		mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			io.WriteString(w, body)
		})
		_, err := client.Send(context.Background(), "1055", textMsg)
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("body %.20q: err = %T %v", body, err, err)
		}
		if ae.HTTPStatus != 502 || ae.Code != 0 {
			t.Errorf("body %.20q: status %d code %d", body, ae.HTTPStatus, ae.Code)
		}
		if len(ae.Raw) > maxRawErrorBody || !bytes.HasPrefix([]byte(body), ae.Raw) {
			t.Errorf("body %.20q: Raw has %d bytes, not a prefix of the body within the bound", body, len(ae.Raw))
		}
		if ae.RetryClass() != RetryBackoff || errors.Is(err, ErrWindowClosed) {
			t.Errorf("body %.20q: class %v", body, ae.RetryClass())
		}
		if len(err.Error()) > 400 {
			t.Errorf("error string is %d bytes; want it short", len(err.Error()))
		}
	}
}

// TestTokenNeverLeaks: the access token appears in no error string, log
// line or panic value, even when the server echoes it back.
func TestTokenNeverLeaks(t *testing.T) {
	const token = "EAAGtestSECRETtoken0123456789"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		writeJSON(w, 400, `{"error":{"message":"Invalid OAuth access token `+tok+`","type":"OAuthException","code":190,"error_data":{"details":"token `+tok+`"}}}`)
	})
	mux.HandleFunc("/v23.0/2066/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 429, graphErr(130429, true))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(token, WithBaseURL(srv.URL), WithLogger(logger), WithRetry(RetryConfig{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))

	var texts []string
	_, err := c.Send(context.Background(), "1055", textMsg)
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
	var ae *APIError
	errors.As(err, &ae)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", ae))
	_, err = c.Send(context.Background(), "2066", textMsg)
	texts = append(texts, err.Error())

	// A transport error (nothing listening) and a bad base URL.
	dead := NewClient(token, WithBaseURL("http://127.0.0.1:1"), WithLogger(logger))
	_, err = dead.Send(context.Background(), "1055", textMsg)
	texts = append(texts, err.Error())
	_, err = NewClient(token, WithBaseURL("::bad")).Send(context.Background(), "1055", textMsg)
	texts = append(texts, err.Error())

	// Printing the client, as a panic or a careless log would.
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s %v", c, c, c, c.creds.token, *c))
	func() {
		defer func() { texts = append(texts, fmt.Sprint(recover())) }()
		panic(c)
	}()
	logger.Info("client", "client", c, "token", c.creds.token, "value", *c)
	texts = append(texts, logs.String())

	for i, s := range texts {
		if strings.Contains(s, token) {
			t.Errorf("text %d leaks the token: %s", i, s)
		}
	}
	if !strings.Contains(logs.String(), "whatsapp: retrying") {
		t.Errorf("retry not logged:\n%s", logs.String())
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithBaseURL("::bad")}, "WithBaseURL"},
		{[]Option{WithBaseURL("ftp://x")}, "WithBaseURL"},
		{[]Option{WithBaseURL("https://user:pw@graph.test/")}, "WithBaseURL"},
		{[]Option{WithAPIVersion("v1/../x")}, "WithAPIVersion"},
		{[]Option{WithAPIVersion("")}, "WithAPIVersion"},
	} {
		c := NewClient("t", tc.opts...)
		_, err := c.Send(context.Background(), "1055", textMsg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("opts %v: err = %v, want mention of %s", tc.opts, err, tc.want)
		}
	}
	_, err := NewClient("").Send(context.Background(), "1055", textMsg)
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("empty token: err = %v", err)
	}
}

func TestBaseURLPrefixAndVersion(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		writeJSON(w, 200, okSend)
	}))
	defer srv.Close()
	for _, tc := range []struct{ base, version, want string }{
		{srv.URL, "", "/v23.0/1055/messages"},
		{srv.URL + "/", "v24.0", "/v24.0/1055/messages"},
		{srv.URL + "/graph/", "", "/graph/v23.0/1055/messages"},
		{srv.URL + "/graph", "", "/graph/v23.0/1055/messages"},
	} {
		opts := []Option{WithBaseURL(tc.base)}
		if tc.version != "" {
			opts = append(opts, WithAPIVersion(tc.version))
		}
		if _, err := NewClient("t", opts...).Send(context.Background(), "1055", textMsg); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("base %q version %q: path %q, want %q", tc.base, tc.version, got, tc.want)
		}
	}
}

func TestWithHTTPClientIsCopied(t *testing.T) {
	hc := &http.Client{Timeout: 7 * time.Second}
	c := NewClient("t", WithHTTPClient(hc))
	if c.httpClient == hc {
		t.Fatal("client shares the caller's *http.Client")
	}
	if c.httpClient.Timeout != 7*time.Second {
		t.Errorf("Timeout not kept: %v", c.httpClient.Timeout)
	}
	if hc.CheckRedirect != nil || hc.Transport != nil {
		t.Error("caller's client was modified")
	}
}

func TestUserAgent(t *testing.T) {
	client, mux := testSetup(t, WithUserAgent("acme-support/2.1"))
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "acme-support/2.1 wacloud-whatsapp-go/"+Version {
			t.Errorf("User-Agent = %q", ua)
		}
		writeJSON(w, 200, okSend)
	})
	if _, err := client.Send(context.Background(), "1055", textMsg); err != nil {
		t.Fatal(err)
	}
}

func TestPathSegment(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a/b", "a?b", "a#b", `a\b`, "a%2fb", "a b", "a\nb", strings.Repeat("1", 257)} {
		if _, err := pathSegment("id", id); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("pathSegment(%q) = %v, want a ValidationError", id, err)
		}
	}
	for id, want := range map[string]string{"106540352242922": "106540352242922", "wamid.HBg=": "wamid.HBg=", "a:b": "a:b", "é": "%C3%A9"} {
		if got, err := pathSegment("id", id); err != nil || got != want {
			t.Errorf("pathSegment(%q) = %q, %v; want %q", id, got, err, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"0": 0, "7": 7 * time.Second, " 12 ": 12 * time.Second,
		"Mon, 23 Nov 2026 10:01:00 GMT": time.Minute,
		"Mon, 23 Nov 2026 09:00:00 GMT": 0,
	} {
		got, ok := parseRetryAfter(v, now)
		if !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "soon"} {
		if _, ok := parseRetryAfter(v, now); ok {
			t.Errorf("parseRetryAfter(%q) accepted", v)
		}
	}
}

// TestCancelDuringRetriedAttempt: when the context ends while a retried
// attempt is in flight, the error must not carry the earlier attempt's 4xx
// (which would say the platform refused the message, when the last
// attempt may have reached it).
func TestCancelDuringRetriedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := &retryTestServer{script: []retryTestResponse{
			{status: 429, body: graphErr(130429, true)},
			{err: context.Canceled, before: cancel},
		}}
		c := retryTestClient(srv, RetryConfig{MaxAttempts: 3, MinBackoff: time.Second})
		_, err := c.Send(ctx, "1055", textMsg)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		var ae *APIError
		if errors.As(err, &ae) {
			t.Errorf("err carries the first attempt's %v", ae)
		}
		if srv.attempts() != 2 {
			t.Errorf("attempts = %d, want 2", srv.attempts())
		}
	})
}

// TestRedirectKeepsTokenOnOrigin: a redirect to another port of the same
// host must not carry the bearer token there.
func TestRedirectKeepsTokenOnOrigin(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		writeJSON(w, 200, `{}`)
	}))
	defer other.Close()
	var sameOrigin atomic.Value
	client, mux := testSetup(t)
	mux.HandleFunc("/v23.0/x", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, testBasePath+"/v23.0/y", http.StatusFound)
	})
	mux.HandleFunc("/v23.0/y", func(w http.ResponseWriter, r *http.Request) {
		sameOrigin.Store(r.Header.Get("Authorization"))
		http.Redirect(w, r, other.URL+"/z", http.StatusFound)
	})
	if err := client.do(context.Background(), &request{method: http.MethodGet, path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := sameOrigin.Load(); got != "Bearer test-token" {
		t.Errorf("same-origin redirect lost the token: %v", got)
	}
	if got := leaked.Load(); got != "" {
		t.Errorf("token sent to another port: %q", got)
	}
}
