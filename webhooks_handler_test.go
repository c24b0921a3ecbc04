package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const webhookTestSecret = "test-app-secret"

// webhookTestServer starts an httptest server running the handler.
func webhookTestServer(t testing.TB, cfg WebhookConfig) *httptest.Server {
	t.Helper()
	if cfg.AppSecret == "" && !cfg.InsecureSkipSignature {
		cfg.AppSecret = webhookTestSecret
	}
	srv := httptest.NewServer(NewWebhookHandler(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// webhookTestPost posts body signed with the test secret (header "" = no
// signature header) and returns the status code.
func webhookTestPost(t testing.TB, srv *httptest.Server, body []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(SignatureHeader, signature)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func webhookTestSignedPost(t testing.TB, srv *httptest.Server, body []byte) int {
	t.Helper()
	return webhookTestPost(t, srv, body, SignWebhook(webhookTestSecret, body))
}

// webhookTestErrors collects the errors passed to OnError.
type webhookTestErrors struct {
	mu   sync.Mutex
	errs []error
}

func (c *webhookTestErrors) add(_ context.Context, err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

func (c *webhookTestErrors) list() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func TestWebhookVerificationGET(t *testing.T) {
	tests := []struct {
		name     string
		token    string // configured
		query    url.Values
		wantCode int
		wantBody string
	}{
		{"valid", "tok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"tok"}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", "tok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"nope"}, "hub.challenge": {"1"}}, 403, ""},
		{"wrong mode", "tok", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"tok"}, "hub.challenge": {"1"}}, 403, ""},
		{"no token configured", "", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {""}, "hub.challenge": {"1"}}, 403, ""},
		{"no challenge", "tok", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"tok"}}, 400, ""},
		{"underscored names are not Meta's", "tok", url.Values{"hub_mode": {"subscribe"}, "hub_verify_token": {"tok"}, "hub_challenge": {"1"}}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs webhookTestErrors
			srv := webhookTestServer(t, WebhookConfig{VerifyToken: tt.token, OnError: errs.add})
			resp, err := srv.Client().Get(srv.URL + "?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.wantCode == 200 && string(b) != tt.wantBody {
				t.Errorf("body = %q, want the challenge %q", b, tt.wantBody)
			}
			if tt.wantCode == 403 && (len(errs.list()) != 1 || !errors.Is(errs.list()[0], ErrVerifyToken)) {
				t.Errorf("OnError got %v, want ErrVerifyToken", errs.list())
			}
		})
	}
}

func TestWebhookMethodNotAllowed(t *testing.T) {
	srv := webhookTestServer(t, WebhookConfig{})
	req, _ := http.NewRequest(http.MethodPut, srv.URL, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT = %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestWebhookBadRequests(t *testing.T) {
	good := webhookTestPayload(t, "message_text.json")
	tests := []struct {
		name      string
		cfg       WebhookConfig
		body      []byte
		signature string
		wantCode  int
		wantErr   error
	}{
		{"missing signature", WebhookConfig{}, good, "", 401, ErrMissingSignature},
		{"malformed signature", WebhookConfig{}, good, "sha1=abc", 400, ErrMalformedSignature},
		{"wrong signature", WebhookConfig{}, good, SignWebhook("other-secret", good), 403, ErrInvalidSignature},
		{"signature of another body", WebhookConfig{}, good, SignWebhook(webhookTestSecret, append([]byte(" "), good...)), 403, ErrInvalidSignature},
		{"no app secret configured", WebhookConfig{AppSecret: "", VerifyToken: "x", RotatedAppSecrets: []string{""}}, good, SignWebhook("", good), 500, ErrNoAppSecret},
		{"malformed JSON", WebhookConfig{}, []byte(`{"object":`), "", 400, ErrMalformedNotification},
		{"truncated body", WebhookConfig{}, good[:len(good)/2], "", 400, ErrMalformedNotification},
		{"wrong object", WebhookConfig{}, []byte(`{"object":"page","entry":[]}`), "", 400, ErrUnexpectedObject},
		{"too large", WebhookConfig{MaxBodyBytes: 100}, good, "", 413, ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs webhookTestErrors
			calls := 0
			cfg := tt.cfg
			cfg.OnError = errs.add
			cfg.OnMessage = func(context.Context, *InboundMessage) error { calls++; return nil }
			if tt.name == "no app secret configured" {
				srv := httptest.NewServer(NewWebhookHandler(cfg))
				defer srv.Close()
				if code := webhookTestPost(t, srv, tt.body, tt.signature); code != tt.wantCode {
					t.Fatalf("status = %d, want %d", code, tt.wantCode)
				}
			} else {
				srv := webhookTestServer(t, cfg)
				sig := tt.signature
				if sig == "" && tt.wantErr != ErrMissingSignature {
					sig = SignWebhook(webhookTestSecret, tt.body)
				}
				if code := webhookTestPost(t, srv, tt.body, sig); code != tt.wantCode {
					t.Fatalf("status = %d, want %d", code, tt.wantCode)
				}
			}
			if calls != 0 {
				t.Errorf("OnMessage called %d times for a refused request", calls)
			}
			got := errs.list()
			var we *WebhookError
			if len(got) != 1 || !errors.Is(got[0], tt.wantErr) || !errors.As(got[0], &we) || we.StatusCode != tt.wantCode {
				t.Fatalf("OnError got %v, want a *WebhookError %d matching %v", got, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(got[0].Error(), webhookTestSecret) {
				t.Errorf("error leaks the app secret: %v", got[0])
			}
		})
	}
}

func TestWebhookInsecureSkipSignature(t *testing.T) {
	calls := 0
	srv := webhookTestServer(t, WebhookConfig{InsecureSkipSignature: true,
		OnMessage: func(context.Context, *InboundMessage) error { calls++; return nil }})
	if code := webhookTestPost(t, srv, webhookTestPayload(t, "message_text.json"), ""); code != 200 || calls != 1 {
		t.Errorf("unsigned POST with InsecureSkipSignature = %d, %d calls", code, calls)
	}
}

func TestWebhookRotatedSecret(t *testing.T) {
	body := webhookTestPayload(t, "message_text.json")
	calls := 0
	srv := webhookTestServer(t, WebhookConfig{AppSecret: "new-secret", RotatedAppSecrets: []string{"old-secret"},
		OnMessage: func(context.Context, *InboundMessage) error { calls++; return nil },
		Deduper:   webhookTestNoDedupe{}})
	for _, secret := range []string{"new-secret", "old-secret"} {
		if code := webhookTestPost(t, srv, body, SignWebhook(secret, body)); code != 200 {
			t.Errorf("signed with %s: %d", secret, code)
		}
	}
	if code := webhookTestPost(t, srv, body, SignWebhook("third-secret", body)); code != 403 {
		t.Errorf("signed with an unknown secret: %d, want 403", code)
	}
	if calls != 2 {
		t.Errorf("calls = %d, want 2", calls)
	}
}

// webhookTestNoDedupe claims everything: every delivery is processed.
type webhookTestNoDedupe struct{}

func (webhookTestNoDedupe) Claim(context.Context, string) (bool, error) { return true, nil }
func (webhookTestNoDedupe) Done(context.Context, string) error          { return nil }
func (webhookTestNoDedupe) Release(context.Context, string) error       { return nil }

// webhookTestStatusBatch builds a notification of n statuses spread over
// entries entries, each with a distinct id.
func webhookTestStatusBatch(prefix string, n, entries int) *Notification {
	notif := &Notification{Object: WebhookObject}
	for e := range entries {
		v := &MessagesValue{MessagingProduct: "whatsapp", Metadata: Metadata{DisplayPhoneNumber: webhookTestDisplay, PhoneNumberID: fmt.Sprint(1065403522429 + e)}}
		for i := e; i < n; i += entries {
			v.Statuses = append(v.Statuses, Status{
				ID: fmt.Sprintf("wamid.%s%06d", prefix, i), Status: "delivered", Timestamp: webhookTestTime(1750000000 + int64(i)),
				RecipientID: fmt.Sprintf("1555%07d", i),
				Pricing:     &Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: "utility"},
			})
		}
		notif.Entries = append(notif.Entries, Entry{ID: fmt.Sprint(1022901293403 + e), Changes: []Change{{Field: FieldMessages, Messages: v}}})
	}
	return notif
}

func TestWebhookBatchOf1000StatusesExactlyOnce(t *testing.T) {
	body, err := json.Marshal(webhookTestStatusBatch("B", 1000, 3))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	entries := map[string]bool{}
	srv := webhookTestServer(t, WebhookConfig{OnStatus: func(_ context.Context, s *Status) error {
		mu.Lock()
		seen[s.ID]++
		entries[s.WABAID+"/"+s.PhoneNumberID] = true
		mu.Unlock()
		return nil
	}})
	for range 2 { // the second delivery is a redelivery: all duplicates
		if code := webhookTestSignedPost(t, srv, body); code != 200 {
			t.Fatalf("status = %d", code)
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("%d distinct statuses reached the callback, want 1000", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s reached the callback %d times", id, n)
		}
	}
	if len(entries) != 3 {
		t.Errorf("statuses came from %d entries, want 3", len(entries))
	}
}

func TestWebhookRetryAfterCallbackError(t *testing.T) {
	body := webhookTestPayload(t, "multi_entry.json")
	var errs webhookTestErrors
	calls := map[string]int{}
	var observed [][]string
	fail := true
	srv := webhookTestServer(t, WebhookConfig{
		OnError: errs.add,
		OnNotification: func(_ context.Context, n *Notification) error {
			var ids []string
			for _, m := range n.Messages() {
				ids = append(ids, m.ID)
			}
			for _, s := range n.Statuses() {
				ids = append(ids, s.ID)
			}
			observed = append(observed, ids)
			return nil
		},
		OnMessage: func(_ context.Context, m *InboundMessage) error {
			calls[m.ID]++
			if m.ID == "wamid.M2" && fail {
				return errors.New("database down")
			}
			return nil
		},
		OnStatus: func(_ context.Context, s *Status) error { calls[s.ID]++; return nil },
	})
	if code := webhookTestSignedPost(t, srv, body); code != 500 {
		t.Fatalf("first delivery = %d, want 500", code)
	}
	if got := errs.list(); len(got) != 1 || !strings.Contains(got[0].Error(), "database down") {
		t.Fatalf("OnError = %v", got)
	} else if we := (*WebhookError)(nil); !errors.As(got[0], &we) || we.ItemID != "wamid.M2" || we.Field != FieldMessages {
		t.Errorf("WebhookError = %+v", we)
	}
	fail = false
	if code := webhookTestSignedPost(t, srv, body); code != 200 {
		t.Fatalf("redelivery = %d, want 200", code)
	}
	if code := webhookTestSignedPost(t, srv, body); code != 200 {
		t.Fatalf("third delivery = %d, want 200", code)
	}
	want := map[string]int{"wamid.M1": 1, "wamid.M2": 2, "wamid.M3": 1, "wamid.S1": 1}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("callback calls (-want +got):\n%s", diff)
	}
	wantObserved := [][]string{{"wamid.M1", "wamid.M2", "wamid.M3", "wamid.S1"}, {"wamid.M2"}, nil}
	if diff := cmp.Diff(wantObserved, observed); diff != "" {
		t.Errorf("OnNotification saw (-want +got):\n%s", diff)
	}
}

func TestWebhookOnNotificationErrorReleasesItems(t *testing.T) {
	body := webhookTestPayload(t, "message_text.json")
	fail := true
	calls := 0
	srv := webhookTestServer(t, WebhookConfig{
		OnNotification: func(context.Context, *Notification) error {
			if fail {
				return errors.New("observer down")
			}
			return nil
		},
		OnMessage: func(context.Context, *InboundMessage) error { calls++; return nil },
	})
	if code := webhookTestSignedPost(t, srv, body); code != 500 || calls != 0 {
		t.Fatalf("OnNotification error: %d, %d calls; want 500, 0", code, calls)
	}
	fail = false
	if code := webhookTestSignedPost(t, srv, body); code != 200 || calls != 1 {
		t.Fatalf("redelivery: %d, %d calls; want 200, 1", code, calls)
	}
}

func TestWebhookConcurrentDuplicates(t *testing.T) {
	body := webhookTestPayload(t, "message_text.json")
	var calls atomic.Int32
	entered := make(chan struct{})
	release := make(chan struct{})
	srv := webhookTestServer(t, WebhookConfig{OnMessage: func(context.Context, *InboundMessage) error {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		return nil
	}})
	first := make(chan int)
	go func() { first <- webhookTestSignedPost(t, srv, body) }()
	<-entered
	// The first delivery is in flight: duplicates arriving meanwhile, from
	// many connections at once, are acknowledged without a callback.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = webhookTestSignedPost(t, srv, body)
		}()
	}
	wg.Wait()
	close(release)
	if code := <-first; code != 200 {
		t.Errorf("first delivery = %d", code)
	}
	for i, c := range codes {
		if c != 200 {
			t.Errorf("duplicate %d = %d, want 200", i, c)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("OnMessage called %d times, want 1", n)
	}
}

func TestWebhookPanicIsA500(t *testing.T) {
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&webhookTestSyncWriter{w: &logs, mu: &logMu}, nil))
	var errs webhookTestErrors
	panicking := true
	statuses := 0
	srv := webhookTestServer(t, WebhookConfig{
		Logger:  logger,
		OnError: errs.add,
		OnStatus: func(_ context.Context, s *Status) error {
			statuses++
			if panicking && s.ID == "wamid.FAIL1" {
				panic("boom")
			}
			return nil
		},
	})
	body := webhookTestPayload(t, "status_failed.json")
	if code := webhookTestSignedPost(t, srv, body); code != 500 {
		t.Fatalf("panicking callback: %d, want 500", code)
	}
	var pe *PanicError
	if got := errs.list(); len(got) != 1 || !errors.As(got[0], &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("OnError = %v, want a *PanicError", got)
	}
	logMu.Lock()
	line := logs.String()
	logMu.Unlock()
	if !strings.Contains(line, "panicked") || !strings.Contains(line, "wamid.FAIL1") || strings.Contains(line, webhookTestSecret) {
		t.Errorf("log = %q", line)
	}
	if statuses != 2 {
		t.Errorf("sibling status not processed: %d calls", statuses)
	}
	panicking = false
	if code := webhookTestSignedPost(t, srv, body); code != 200 || statuses != 3 {
		t.Errorf("after the panic: %d, %d calls; want 200 and the failed status again", code, statuses)
	}
}

type webhookTestSyncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *webhookTestSyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestWebhookDispatchesEveryField(t *testing.T) {
	got := map[string]int{}
	rec := func(name string) { got[name]++ }
	cfg := WebhookConfig{
		Deduper:   webhookTestNoDedupe{},
		OnMessage: func(_ context.Context, m *InboundMessage) error { rec("message:" + m.Type); return nil },
		OnStatus:  func(_ context.Context, s *Status) error { rec("status:" + s.Status); return nil },
		OnTemplateStatus: func(_ context.Context, u *TemplateStatusUpdate) error {
			rec("template_status:" + u.Event + ":" + u.WABAID)
			return nil
		},
		OnTemplateQuality: func(_ context.Context, u *TemplateQualityUpdate) error {
			rec("template_quality:" + u.NewQualityScore)
			return nil
		},
		OnTemplateComponents: func(_ context.Context, u *TemplateComponentsUpdate) error {
			rec("template_components:" + u.TemplateName)
			return nil
		},
		OnTemplateCategory: func(_ context.Context, u *TemplateCategoryUpdate) error {
			rec("template_category:" + u.NewCategory)
			return nil
		},
		OnPhoneNumberQuality: func(_ context.Context, u *PhoneNumberQualityUpdate) error {
			rec("phone_quality:" + u.Event)
			return nil
		},
		OnPhoneNumberName: func(_ context.Context, u *PhoneNumberNameUpdate) error { rec("phone_name:" + u.Decision); return nil },
		OnBusinessCapability: func(_ context.Context, u *BusinessCapabilityUpdate) error {
			rec("capability:" + u.MaxDailyConversationsPerBusiness)
			return nil
		},
		OnAccountUpdate: func(_ context.Context, u *AccountUpdate) error { rec("account:" + u.Event); return nil },
		OnAccountAlert:  func(_ context.Context, u *AccountAlert) error { rec("alert:" + u.AlertInfo.Type); return nil },
		OnAccountReview: func(_ context.Context, u *AccountReviewUpdate) error { rec("review:" + u.Decision); return nil },
		OnUserPreference: func(_ context.Context, p *UserPreference) error {
			rec("preference:" + p.Value + ":" + p.PhoneNumberID)
			return nil
		},
		OnSecurity: func(_ context.Context, u *SecurityUpdate) error { rec("security:" + u.Event); return nil },
		OnEvent:    func(_ context.Context, c *Change) error { rec("event:" + c.Field); return nil },
	}
	srv := webhookTestServer(t, cfg)
	for _, f := range []string{"message_text.json", "message_order.json", "status_lifecycle.json", "template_status_update.json",
		"template_quality_update.json", "template_components_update.json", "template_category_update.json",
		"phone_number_quality_update.json", "phone_number_name_update.json", "business_capability_update.json",
		"account_update.json", "account_alerts.json", "account_review_update.json", "user_preferences.json",
		"security.json", "unknown_field.json", "value_errors.json"} {
		if code := webhookTestSignedPost(t, srv, webhookTestPayload(t, f)); code != 200 {
			t.Fatalf("%s: %d", f, code)
		}
	}
	want := map[string]int{
		"message:text": 1, "message:order": 1,
		"status:delivered": 1, "status:read": 1, "status:played": 1, "status:sent": 1, "status:queued_for_later": 1,
		"template_status:APPROVED:" + webhookTestWABA: 1, "template_status:REJECTED:" + webhookTestWABA: 1,
		"template_status:PAUSED:" + webhookTestWABA: 1, "template_status:DISABLED:" + webhookTestWABA: 1,
		"template_quality:YELLOW": 1, "template_components:order_confirmation": 1,
		"template_category:UTILITY": 1, "template_category:MARKETING": 1,
		"phone_quality:THROUGHPUT_UPGRADE": 1, "phone_name:APPROVED": 1,
		"capability:2000": 1, "capability:TIER_UNLIMITED": 1,
		"account:ACCOUNT_VIOLATION": 1, "account:DISABLED_UPDATE": 1, "account:AUTH_INTL_PRICE_ELIGIBILITY_UPDATE": 1,
		"account:PARTNER_APP_INSTALLED": 1, "account:PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE": 1,
		"account:BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE": 1, "account:VOLUME_BASED_PRICING_TIER_UPDATE": 1,
		"alert:INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED": 1, "review:APPROVED": 1,
		"preference:stop:" + webhookTestPNID: 1, "security:PIN_RESET_REQUEST": 1,
		"event:smb_message_echoes": 1, "event:messages": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dispatch (-want +got):\n%s", diff)
	}
}

func TestWebhookOnEventCatchesFieldsWithoutCallback(t *testing.T) {
	var fields []string
	srv := webhookTestServer(t, WebhookConfig{OnEvent: func(_ context.Context, c *Change) error {
		fields = append(fields, c.Field)
		return nil
	}})
	for _, f := range []string{"security.json", "account_review_update.json", "user_preferences.json"} {
		if code := webhookTestSignedPost(t, srv, webhookTestPayload(t, f)); code != 200 {
			t.Fatalf("%s: %d", f, code)
		}
	}
	if diff := cmp.Diff([]string{FieldSecurity, FieldAccountReviewUpdate, FieldUserPreferences}, fields); diff != "" {
		t.Errorf("OnEvent fields (-want +got):\n%s", diff)
	}
}

// TestWebhookSignatureRawBytes: Meta signs the bytes it sends, with
// escaped slashes and \u escapes; the same JSON re-serialized no longer
// verifies, which is why the handler hashes the raw body.
func TestWebhookSignatureRawBytes(t *testing.T) {
	for _, name := range []string{"message_document.json", "message_location.json", "message_contacts.json"} {
		t.Run(name, func(t *testing.T) {
			raw := webhookTestPayload(t, name)
			sig := SignWebhook(webhookTestSecret, raw)
			if err := VerifySignature(webhookTestSecret, raw, sig); err != nil {
				t.Fatalf("raw body: %v", err)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			reserialized, _ := json.Marshal(v)
			if bytes.Equal(reserialized, raw) {
				t.Fatal("test payload re-serializes to itself; it must hold escapes or non-ASCII text")
			}
			if err := VerifySignature(webhookTestSecret, reserialized, sig); !errors.Is(err, ErrInvalidSignature) {
				t.Errorf("re-serialized body: %v, want ErrInvalidSignature", err)
			}
			calls := 0
			srv := webhookTestServer(t, WebhookConfig{OnMessage: func(context.Context, *InboundMessage) error { calls++; return nil }})
			if code := webhookTestPost(t, srv, raw, sig); code != 200 || calls != 1 {
				t.Errorf("handler with raw body: %d, %d calls", code, calls)
			}
			if code := webhookTestPost(t, srv, reserialized, sig); code != 403 {
				t.Errorf("handler with re-serialized body: %d, want 403", code)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	good := SignWebhook("s3cret", body)
	tests := []struct {
		name   string
		secret string
		header string
		want   error
	}{
		{"valid", "s3cret", good, nil},
		{"valid uppercase hex", "s3cret", "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), nil},
		{"surrounding spaces", "s3cret", " " + good + " ", nil},
		{"empty secret", "", good, ErrNoAppSecret},
		{"missing", "s3cret", "", ErrMissingSignature},
		{"no prefix", "s3cret", strings.TrimPrefix(good, "sha256="), ErrMalformedSignature},
		{"sha1", "s3cret", "sha1=" + strings.TrimPrefix(good, "sha256="), ErrMalformedSignature},
		{"short", "s3cret", good[:len(good)-2], ErrMalformedSignature},
		{"not hex", "s3cret", good[:len(good)-1] + "g", ErrMalformedSignature},
		{"wrong secret", "other", good, ErrInvalidSignature},
		{"one bit off", "s3cret", good[:len(good)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", good[len(good)-1])+1)%16]), ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifySignature(tt.secret, body, tt.header); err != tt.want {
				t.Errorf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
	if err := VerifySignatureAny(body, good, "", "old", "s3cret"); err != nil {
		t.Errorf("VerifySignatureAny with the right secret last: %v", err)
	}
	if err := VerifySignatureAny(body, good, "", ""); err != ErrNoAppSecret {
		t.Errorf("VerifySignatureAny without secrets: %v", err)
	}
	if err := VerifySignatureAny(body, good, "a", "b"); err != ErrInvalidSignature {
		t.Errorf("VerifySignatureAny with wrong secrets: %v", err)
	}
}

func TestWebhookAsyncQueue(t *testing.T) {
	q := NewWebhookQueue(1, 1)
	var errs webhookTestErrors
	started := make(chan string, 10)
	release := make(chan struct{})
	var mu sync.Mutex
	var done []string
	srv := webhookTestServer(t, WebhookConfig{Queue: q, OnError: errs.add, OnMessage: func(_ context.Context, m *InboundMessage) error {
		started <- m.ID
		<-release
		mu.Lock()
		done = append(done, m.ID)
		mu.Unlock()
		if m.ID == "wamid.TEXT2" {
			return errors.New("late failure")
		}
		return nil
	}})
	// First notification: taken by the only worker, which blocks.
	if code := webhookTestSignedPost(t, srv, webhookTestPayload(t, "message_text.json")); code != 200 {
		t.Fatalf("first = %d", code)
	}
	if id := <-started; id != "wamid.TEXT1" {
		t.Fatalf("started %s", id)
	}
	// Second: waits in the queue (size 1). Third: the queue is full.
	if code := webhookTestSignedPost(t, srv, webhookTestPayload(t, "message_text_context.json")); code != 200 {
		t.Fatalf("second = %d", code)
	}
	third := webhookTestPayload(t, "message_image.json")
	if code := webhookTestSignedPost(t, srv, third); code != 503 {
		t.Fatalf("third = %d, want 503 (queue full)", code)
	}
	close(release)
	if err := q.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if diff := cmp.Diff([]string{"wamid.TEXT1", "wamid.TEXT2"}, done); diff != "" {
		t.Errorf("queued work not finished by Shutdown (-want +got):\n%s", diff)
	}
	var we *WebhookError
	var sawFull, sawLate bool
	for _, e := range errs.list() {
		if errors.Is(e, ErrQueueFull) {
			sawFull = true
		}
		if errors.As(e, &we) && we.StatusCode == 0 && we.ItemID == "wamid.TEXT2" {
			sawLate = true
		}
	}
	if !sawFull || !sawLate {
		t.Errorf("OnError = %v, want ErrQueueFull and the late failure", errs.list())
	}
	// After shutdown: refused with 503, and the refused item is not
	// remembered, so Meta's redelivery to a live replica is processed.
	if code := webhookTestSignedPost(t, srv, third); code != 503 {
		t.Errorf("after Shutdown = %d, want 503", code)
	}
}

func TestWebhookQueueShutdownDeadline(t *testing.T) {
	q := NewWebhookQueue(1, 1)
	release := make(chan struct{})
	var jobCtx context.Context
	entered := make(chan struct{})
	q.submit(func(ctx context.Context) { jobCtx = ctx; close(entered); <-release })
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := q.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown past its deadline = %v", err)
	}
	if jobCtx.Err() == nil {
		t.Error("running job's context not cancelled")
	}
	close(release)
	if q.submit(func(context.Context) {}) {
		t.Error("submit accepted after Shutdown")
	}
}

func TestWebhookDeduperErrorIs500(t *testing.T) {
	var errs webhookTestErrors
	srv := webhookTestServer(t, WebhookConfig{OnError: errs.add, Deduper: webhookTestFailingDedupe{}})
	if code := webhookTestSignedPost(t, srv, webhookTestPayload(t, "message_text.json")); code != 500 {
		t.Errorf("deduper down: %d, want 500", code)
	}
	if got := errs.list(); len(got) != 1 || !strings.Contains(got[0].Error(), "store down") {
		t.Errorf("OnError = %v", got)
	}
}

type webhookTestFailingDedupe struct{ webhookTestNoDedupe }

func (webhookTestFailingDedupe) Claim(context.Context, string) (bool, error) {
	return false, errors.New("store down")
}

func TestWebhookRecordedDoneAfterSuccess(t *testing.T) {
	d := NewMemoryDeduper(10, time.Hour)
	srv := webhookTestServer(t, WebhookConfig{Deduper: d, OnMessage: func(context.Context, *InboundMessage) error { return nil }})
	webhookTestSignedPost(t, srv, webhookTestPayload(t, "message_text.json"))
	if ok, _ := d.Claim(context.Background(), "m:wamid.TEXT1"); ok {
		t.Error("processed message not recorded in the Deduper")
	}
}

// webhookTestCtxDeduper fails like a network store when its context is done.
type webhookTestCtxDeduper struct{ Deduper }

func (d webhookTestCtxDeduper) Done(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.Deduper.Done(ctx, key)
}

func (d webhookTestCtxDeduper) Release(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.Deduper.Release(ctx, key)
}

// TestWebhookReleaseAfterHangUp: Meta hangs up on a slow callback (the
// request's context ends) and the callback fails; the item must still be
// released, so that the redelivery reaches the callback again.
func TestWebhookReleaseAfterHangUp(t *testing.T) {
	body := webhookTestPayload(t, "message_text.json")
	var calls int
	var cancel context.CancelFunc
	h := NewWebhookHandler(WebhookConfig{
		AppSecret: webhookTestSecret,
		Deduper:   webhookTestCtxDeduper{NewMemoryDeduper(0, 0)},
		OnMessage: func(ctx context.Context, m *InboundMessage) error {
			calls++
			if calls == 1 {
				cancel() // the platform gave up waiting
				return ctx.Err()
			}
			return nil
		},
	})
	deliver := func() int {
		ctx, c := context.WithCancel(context.Background())
		cancel = c
		defer c()
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body)).WithContext(ctx)
		req.Header.Set(SignatureHeader, SignWebhook(webhookTestSecret, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := deliver(); code != http.StatusInternalServerError {
		t.Fatalf("first delivery: %d, want 500", code)
	}
	if code := deliver(); code != http.StatusOK {
		t.Fatalf("redelivery: %d, want 200", code)
	}
	if calls != 2 {
		t.Errorf("callback ran %d times, want 2 (the redelivery was taken for a duplicate)", calls)
	}
	if code := deliver(); code != http.StatusOK || calls != 2 {
		t.Errorf("third delivery: %d, %d calls; want 200 and no new call", code, calls)
	}
}
