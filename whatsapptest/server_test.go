package whatsapptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

const testUser = "+15551230001"

// newTestServer starts a server closed at the end of the test, and a
// client for it with retries off.
func newTestServer(t *testing.T, opts ...whatsapptest.Option) (*whatsapptest.Server, *whatsapp.Client) {
	t.Helper()
	srv := whatsapptest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, srv.Client(whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 1}))
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func apiError(t *testing.T, err error) *whatsapp.APIError {
	t.Helper()
	var e *whatsapp.APIError
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *whatsapp.APIError", err, err)
	}
	return e
}

func TestSendInsideWindow(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	in := srv.UserSends(testUser, "hello")
	if !strings.HasPrefix(in, "wamid.") {
		t.Errorf("inbound id = %q, want a wamid", in)
	}
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "Hi! How can we help?"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.MessageID, "wamid.") || res.WaID != "15551230001" || res.Input != testUser {
		t.Errorf("result = %+v", res)
	}
	got := srv.MessagesTo("1 555 123 0001")
	if len(got) != 1 || got[0].ID != res.MessageID || got[0].Text() != "Hi! How can we help?" {
		t.Fatalf("MessagesTo = %+v", got)
	}
	if got[0].Category != "service" || got[0].PricingType != "free_customer_service" {
		t.Errorf("pricing = %s/%s, want service/free_customer_service", got[0].Category, got[0].PricingType)
	}
	if err := client.MarkRead(ctx, srv.PhoneNumberID, in); err != nil {
		t.Fatal(err)
	}
	if err := client.SendTypingIndicator(ctx, srv.PhoneNumberID, in); err != nil {
		t.Fatal(err)
	}
	reads := srv.ReadReceipts()
	if len(reads) != 2 || reads[0].MessageID != in || reads[0].Typing || !reads[1].Typing {
		t.Errorf("ReadReceipts = %+v", reads)
	}
}

func TestMarkReadUnknownMessage(t *testing.T) {
	srv, client := newTestServer(t)
	err := client.MarkRead(testContext(t), srv.PhoneNumberID, "wamid.NOTRECEIVED")
	if e := apiError(t, err); e.Code != 100 || e.HTTPStatus != 400 {
		t.Errorf("error = %v, want code 100 with HTTP 400", err)
	}
}

// TestWindowSync checks the 24-hour customer service window of reference
// section 5.1 with errors reported by the send call.
func TestWindowSync(t *testing.T) {
	srv, client := newTestServer(t, whatsapptest.WithErrorMode(whatsapptest.SyncErrors))
	ctx := testContext(t)
	text := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "free-form"}}

	_, err := client.Send(ctx, srv.PhoneNumberID, text)
	if !errors.Is(err, whatsapp.ErrWindowClosed) || apiError(t, err).Code != 131047 {
		t.Fatalf("send before the user wrote: %v, want 131047", err)
	}
	srv.UserSends(testUser, "hi")
	srv.Clock.Advance(24*time.Hour - time.Second)
	if _, err := client.Send(ctx, srv.PhoneNumberID, text); err != nil {
		t.Fatalf("send 1 s before the window closes: %v", err)
	}
	srv.Clock.Advance(time.Second)
	if _, err := client.Send(ctx, srv.PhoneNumberID, text); !errors.Is(err, whatsapp.ErrWindowClosed) {
		t.Fatalf("send when the window closes: %v, want ErrWindowClosed", err)
	}
	// A new message restarts the window.
	srv.UserSends(testUser, "again")
	if _, err := client.Send(ctx, srv.PhoneNumberID, text); err != nil {
		t.Fatalf("send after a new user message: %v", err)
	}
}

func TestUndeliverableSync(t *testing.T) {
	srv, client := newTestServer(t, whatsapptest.WithErrorMode(whatsapptest.SyncErrors), whatsapptest.WithUndeliverable("+15559990000"))
	srv.UserSends("+15559990000", "hi")
	_, err := client.Send(testContext(t), srv.PhoneNumberID, whatsapp.Message{To: "+15559990000", Content: whatsapp.Text{Body: "x"}})
	if !errors.Is(err, whatsapp.ErrUndeliverable) || apiError(t, err).Code != 131026 {
		t.Fatalf("err = %v, want 131026", err)
	}
}

// TestValidationCodes sends bodies the library itself would refuse, raw,
// and checks the codes the server answers with.
func TestValidationCodes(t *testing.T) {
	srv, _ := newTestServer(t)
	srv.UserSends(testUser, "hi")
	long := strings.Repeat("a", whatsapp.MaxTextBodyLength+1)
	tests := []struct {
		name string
		body string
		code int
	}{
		{"not JSON", `{"messaging_product":`, 100},
		{"no messaging_product", `{"to":"+15551230001","type":"text","text":{"body":"x"}}`, 100},
		{"wrong messaging_product", `{"messaging_product":"sms","to":"+15551230001","type":"text","text":{"body":"x"}}`, 100},
		{"missing to", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 131008},
		{"missing body", `{"messaging_product":"whatsapp","to":"+15551230001","type":"text","text":{}}`, 131008},
		{"body too long", `{"messaging_product":"whatsapp","to":"+15551230001","type":"text","text":{"body":"` + long + `"}}`, 100},
		{"bad recipient", `{"messaging_product":"whatsapp","to":"call me","type":"text","text":{"body":"x"}}`, 100},
		{"unknown type", `{"messaging_product":"whatsapp","to":"+15551230001","type":"hologram","hologram":{}}`, 100},
		{"wrong JSON type", `{"messaging_product":"whatsapp","to":"+15551230001","type":"text","text":{"body":42}}`, 100},
		{"button title too long", `{"messaging_product":"whatsapp","to":"+15551230001","type":"interactive","interactive":{"type":"button","body":{"text":"pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"` + strings.Repeat("t", whatsapp.MaxButtonTitleLength+1) + `"}}]}}}`, 131009},
		{"duplicate button titles", `{"messaging_product":"whatsapp","to":"+15551230001","type":"interactive","interactive":{"type":"button","body":{"text":"pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"Same"}},{"type":"reply","reply":{"id":"b","title":"Same"}}]}}}`, 131009},
		{"bad status", `{"messaging_product":"whatsapp","status":"deleted","message_id":"wamid.X"}`, 100},
		{"read without id", `{"messaging_product":"whatsapp","status":"read"}`, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := rawPost(t, srv, "/v23.0/"+srv.PhoneNumberID+"/messages", tt.body)
			if status != http.StatusBadRequest || e.Code != tt.code {
				t.Errorf("got HTTP %d code %d (%s), want 400 code %d", status, e.Code, e.Details, tt.code)
			}
			if e.Type != "OAuthException" || !strings.HasPrefix(e.Message, "(#") || e.FBTraceID == "" || e.Details == "" {
				t.Errorf("envelope incomplete: %+v", e)
			}
		})
	}
}

// rawPost posts body with the server's token and decodes the Graph error.
func rawPost(t *testing.T, srv *whatsapptest.Server, path, body string) (int, *whatsapp.APIError) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env struct {
		Error *whatsapp.APIError `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Error == nil {
		if resp.StatusCode == http.StatusOK {
			return resp.StatusCode, &whatsapp.APIError{}
		}
		t.Fatalf("HTTP %d, body is not a Graph error: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, env.Error
}

func TestErrorEnvelope(t *testing.T) {
	srv, _ := newTestServer(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v23.0/"+srv.PhoneNumberID+"/messages", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	e := env["error"]
	// Reference section 7: message "(#code) Title", type, code,
	// error_data {messaging_product, details}, is_transient, fbtrace_id.
	for _, k := range []string{"message", "type", "code", "error_data", "is_transient", "fbtrace_id"} {
		if _, ok := e[k]; !ok {
			t.Errorf("error envelope lacks %q: %v", k, e)
		}
	}
	if d, _ := e["error_data"].(map[string]any); d["messaging_product"] != "whatsapp" || d["details"] == "" {
		t.Errorf("error_data = %v", e["error_data"])
	}
	if e["code"] != float64(100) || e["message"] != "(#100) Invalid parameter" {
		t.Errorf("code/message = %v / %v", e["code"], e["message"])
	}
}

func TestToken(t *testing.T) {
	srv := whatsapptest.NewServer(whatsapptest.WithToken("right-token"))
	defer srv.Close()
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	m := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}

	wrong := whatsapp.NewClient("wrong-token", whatsapp.WithBaseURL(srv.URL), whatsapp.WithHTTPClient(srv.HTTPClient()))
	_, err := wrong.Send(ctx, srv.PhoneNumberID, m)
	if !errors.Is(err, whatsapp.ErrUnauthorized) || apiError(t, err).Code != 190 || apiError(t, err).HTTPStatus != 401 {
		t.Fatalf("wrong token: %v, want 190 with HTTP 401", err)
	}
	if strings.Contains(err.Error(), "wrong-token") || strings.Contains(err.Error(), "right-token") {
		t.Errorf("token in error: %v", err)
	}
	if _, err := srv.Client().Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("right token: %v", err)
	}
	for _, r := range srv.Requests() {
		if h := r.Header.Get("Authorization"); strings.Contains(h, "token") {
			t.Errorf("recorded Authorization header not redacted: %q", h)
		}
	}
}

func TestVersions(t *testing.T) {
	srv, _ := newTestServer(t)
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	for _, v := range []string{"v23.0", "v24.0", "v26.0"} {
		c := srv.Client(whatsapp.WithAPIVersion(v), whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 1}))
		if _, err := c.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: v}}); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	reqs := srv.Requests()
	if got := reqs[len(reqs)-1].Version; got != "v26.0" {
		t.Errorf("recorded version = %q", got)
	}
	for _, path := range []string{"/messages", "/23.0/" + srv.PhoneNumberID + "/messages", "/vX.Y/" + srv.PhoneNumberID + "/messages"} {
		status, e := rawPost(t, srv, path, `{}`)
		if status != 400 || e.Code != 2500 {
			t.Errorf("%s: HTTP %d code %d, want 400 code 2500", path, status, e.Code)
		}
	}
	status, e := rawPost(t, srv, "/v23.0/999/messages", `{"messaging_product":"whatsapp"}`)
	if status != 400 || e.Code != 100 || e.Subcode != 33 {
		t.Errorf("unknown phone number: HTTP %d code %d/%d, want 400 100/33", status, e.Code, e.Subcode)
	}
}

func TestFaults(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	m := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}

	srv.FailNext(2, 130429)
	for i := range 2 {
		_, err := client.Send(ctx, srv.PhoneNumberID, m)
		if !errors.Is(err, whatsapp.ErrRateLimited) {
			t.Fatalf("send %d: %v, want 130429", i, err)
		}
		if !apiError(t, err).Transient {
			t.Errorf("130429 not marked is_transient")
		}
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("third send: %v", err)
	}

	// Only the pattern's requests fail; HTTPStatus without a code gives a
	// non-Graph body.
	srv.InjectFault(whatsapptest.Fault{Pattern: "POST /{phone}/media", HTTPStatus: 502})
	srv.InjectFault(whatsapptest.Fault{Pattern: "POST /{phone}/messages", HTTPStatus: 503})
	_, err := client.Send(ctx, srv.PhoneNumberID, m)
	if e := apiError(t, err); e.HTTPStatus != 503 || e.Code != 0 {
		t.Errorf("err = %+v, want HTTP 503 without a code", e)
	}

	// ClearFaults removes faults not yet used.
	srv.ClearFaults()
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}

	srv.InjectFault(whatsapptest.Fault{Disconnect: true})
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err == nil || errors.As(err, new(*whatsapp.APIError)) {
		t.Errorf("disconnect: err = %v, want a transport error", err)
	}
}

// TestRetriesAgainstFaults checks that the library's retry policy and the
// fake agree: a 130429 is retried, a 131047 is not.
func TestRetriesAgainstFaults(t *testing.T) {
	srv, _ := newTestServer(t)
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	client := srv.Client(whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 3, MinBackoff: time.Microsecond, MaxBackoff: time.Millisecond}))
	m := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}

	srv.FailNext(2, 130429)
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("send after two 130429: %v", err)
	}
	if got := len(srv.Requests()); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	srv.FailNext(1, 131047)
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); !errors.Is(err, whatsapp.ErrWindowClosed) {
		t.Fatalf("err = %v", err)
	}
	if got := len(srv.Requests()); got != 4 {
		t.Errorf("requests = %d, want 4 (131047 is not retried)", got)
	}
}

// TestLatency checks that injected latency waits on the server's clock and
// gives up with the client's context.
func TestLatency(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	m := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}
	srv.SetLatency(5 * time.Second)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Clock.BlockUntil(ctx, 1); err != nil {
			t.Error(err)
			return
		}
		srv.Clock.Advance(5 * time.Second)
	}()
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("send with latency: %v", err)
	}
	wg.Wait()

	cctx, cancel := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv.Clock.BlockUntil(ctx, 1)
		cancel()
	}()
	if _, err := client.Send(cctx, srv.PhoneNumberID, m); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	wg.Wait()
}

func TestOverride(t *testing.T) {
	srv, client := newTestServer(t)
	srv.UserSends(testUser, "hi")
	srv.Handle("POST /{phone}/messages", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"x","wa_id":"1"}],"messages":[{"id":"wamid.OVERRIDE","message_status":"held_for_quality_assessment"}]}`)
	}))
	res, err := client.Send(testContext(t), srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}})
	if err != nil || res.MessageID != "wamid.OVERRIDE" || res.MessageStatus != "held_for_quality_assessment" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	srv.Handle("POST /{phone}/messages", nil)
	res, err = client.Send(testContext(t), srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}})
	if err != nil || res.MessageID == "wamid.OVERRIDE" {
		t.Fatalf("after removing the override: res = %+v, err = %v", res, err)
	}
}
