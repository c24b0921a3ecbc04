package whatsapptest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// hookRecorder is a webhook receiver that checks each POST's signature by
// hand (crypto/hmac, independent of the package under test) and keeps the
// decoded items.
type hookRecorder struct {
	t      *testing.T
	secret string
	fail   int // answer 500 to this many POSTs first

	mu       sync.Mutex
	posts    int
	messages []map[string]any
	statuses []map[string]any
	contacts []map[string]any
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(h.secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-Hub-Signature-256")), []byte(want)) {
		h.t.Errorf("bad signature %q", r.Header.Get("X-Hub-Signature-256"))
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Errorf("Content-Type = %q", ct)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.posts++
	if h.fail > 0 {
		h.fail--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var n struct {
		Object string `json:"object"`
		Entry  []struct {
			ID      string `json:"id"`
			Changes []struct {
				Field string `json:"field"`
				Value struct {
					MessagingProduct string           `json:"messaging_product"`
					Metadata         map[string]any   `json:"metadata"`
					Contacts         []map[string]any `json:"contacts"`
					Messages         []map[string]any `json:"messages"`
					Statuses         []map[string]any `json:"statuses"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		h.t.Errorf("payload: %v", err)
	}
	if n.Object != "whatsapp_business_account" || len(n.Entry) != 1 {
		h.t.Errorf("envelope: %s", body)
	}
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" || c.Value.MessagingProduct != "whatsapp" || c.Value.Metadata["phone_number_id"] == nil {
				h.t.Errorf("change: %s", body)
			}
			h.messages = append(h.messages, c.Value.Messages...)
			h.statuses = append(h.statuses, c.Value.Statuses...)
			h.contacts = append(h.contacts, c.Value.Contacts...)
		}
	}
}

func (h *hookRecorder) statusList() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, s := range h.statuses {
		out = append(out, s["status"].(string))
	}
	return out
}

func TestWebhookMessagesAndStatuses(t *testing.T) {
	h := &hookRecorder{t: t, secret: "s3cret"}
	srv, client := newTestServer(t, whatsapptest.WithAppSecret("s3cret"), whatsapptest.WithWebhookHandler(h))
	ctx := testContext(t)
	srv.SetUserName(testUser, "Sheena")
	in := srv.UserSends(testUser, "hello")
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}, CallbackData: "ticket-7"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.messages) != 1 || h.messages[0]["id"] != in || h.messages[0]["from"] != "15551230001" ||
		h.messages[0]["type"] != "text" || h.messages[0]["text"].(map[string]any)["body"] != "hello" {
		t.Errorf("messages = %v", h.messages)
	}
	if len(h.contacts) != 1 || h.contacts[0]["profile"].(map[string]any)["name"] != "Sheena" {
		t.Errorf("contacts = %v", h.contacts)
	}
	if got := h.statusList(); len(got) != 3 || got[0] != "sent" || got[1] != "delivered" || got[2] != "read" {
		t.Errorf("statuses = %v, want sent, delivered, read", got)
	}
	for _, st := range h.statuses {
		if st["id"] != res.MessageID || st["recipient_id"] != "15551230001" || st["biz_opaque_callback_data"] != "ticket-7" {
			t.Errorf("status = %v", st)
		}
	}
	if p, _ := h.statuses[0]["pricing"].(map[string]any); p["category"] != "service" || p["type"] != "free_customer_service" || p["billable"] != false {
		t.Errorf("pricing = %v", h.statuses[0]["pricing"])
	}
	if d := srv.Deliveries(); len(d) != 4 || !d[0].OK() || d[0].Signature != whatsapptest.Sign("s3cret", d[0].Body) {
		t.Errorf("deliveries = %+v", d)
	}
}

// TestWebhookAsyncWindowError checks Meta's behaviour for a free-form send
// outside the window: 200 with an id, then a failed status with 131047.
func TestWebhookAsyncWindowError(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret}
	srv, client := newTestServer(t, whatsapptest.WithWebhookHandler(h))
	ctx := testContext(t)
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}})
	if err != nil {
		t.Fatalf("send: %v (Meta accepts the call and fails it asynchronously)", err)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.statuses) != 1 || h.statuses[0]["status"] != "failed" || h.statuses[0]["id"] != res.MessageID {
		t.Fatalf("statuses = %v, want one failed", h.statuses)
	}
	errs, _ := h.statuses[0]["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["code"] != float64(131047) {
		t.Errorf("errors = %v", h.statuses[0]["errors"])
	}
	if m, _ := srv.Message(res.MessageID); m.Error == nil || m.Error.Code != 131047 {
		t.Errorf("recorded error = %v", m.Error)
	}
}

func TestWebhookRetry(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret, fail: 2}
	srv, _ := newTestServer(t, whatsapptest.WithWebhookHandler(h),
		whatsapptest.WithDelivery(whatsapptest.DeliveryPolicy{MaxAttempts: 3, Backoff: time.Minute}))
	ctx := testContext(t)
	srv.UserSends(testUser, "hello")
	srv.Flush(ctx)
	if h.posts != 1 || len(h.messages) != 0 || srv.Pending() != 1 {
		t.Fatalf("after first attempt: posts %d, messages %d, pending %d", h.posts, len(h.messages), srv.Pending())
	}
	srv.Clock.Advance(time.Minute - time.Second)
	srv.Flush(ctx)
	if h.posts != 1 {
		t.Fatalf("retried before the backoff: posts = %d", h.posts)
	}
	srv.Clock.Advance(time.Second)
	srv.Flush(ctx)
	if h.posts != 2 {
		t.Fatalf("posts after 1 minute = %d, want 2", h.posts)
	}
	srv.Clock.Advance(2 * time.Minute) // the backoff doubles
	srv.Flush(ctx)
	if h.posts != 3 || len(h.messages) != 1 || srv.Pending() != 0 {
		t.Fatalf("after third attempt: posts %d, messages %d, pending %d", h.posts, len(h.messages), srv.Pending())
	}
	d := srv.Deliveries()
	if len(d) != 3 || d[0].StatusCode != 500 || d[2].Attempt != 3 || !d[2].OK() {
		t.Errorf("deliveries = %+v", d)
	}
}

func TestWebhookRetryGivesUp(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret, fail: 100}
	srv, _ := newTestServer(t, whatsapptest.WithWebhookHandler(h),
		whatsapptest.WithDelivery(whatsapptest.DeliveryPolicy{MaxAttempts: 2, Backoff: time.Second}))
	ctx := testContext(t)
	srv.UserSends(testUser, "hello")
	srv.Flush(ctx)
	srv.Clock.Advance(time.Hour)
	srv.Flush(ctx)
	srv.Clock.Advance(time.Hour)
	srv.Flush(ctx)
	if h.posts != 2 || srv.Pending() != 0 {
		t.Errorf("posts = %d, pending = %d; want 2 attempts then nothing", h.posts, srv.Pending())
	}
}

func TestWebhookBatchDuplicateReorder(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret}
	srv, client := newTestServer(t, whatsapptest.WithWebhookHandler(h),
		whatsapptest.WithDelivery(whatsapptest.DeliveryPolicy{BatchSize: 10, Duplicate: true, Reorder: true}))
	ctx := testContext(t)
	srv.UserSends(testUser, "hello")
	srv.Flush(ctx)
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}}); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	// One POST with the three statuses, reversed, delivered twice.
	if got := h.statusList(); len(got) != 6 || got[0] != "read" || got[2] != "sent" || got[3] != "read" {
		t.Errorf("statuses = %v, want read, delivered, sent twice", got)
	}
	if h.posts != 4 {
		t.Errorf("posts = %d, want 4 (each payload twice)", h.posts)
	}
	d := srv.Deliveries()
	if len(d) != 4 || d[2].Events != 3 {
		t.Errorf("deliveries = %+v", d)
	}
}

func TestWebhookStatusInterval(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret}
	srv, client := newTestServer(t, whatsapptest.WithWebhookHandler(h), whatsapptest.WithStatusInterval(time.Second),
		whatsapptest.WithStatuses("sent", "delivered"))
	ctx := testContext(t)
	srv.UserSends(testUser, "hello")
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if got := h.statusList(); len(got) != 1 {
		t.Fatalf("statuses before the interval = %v", got)
	}
	srv.Clock.Advance(time.Second)
	srv.Flush(ctx)
	if got := h.statusList(); len(got) != 2 || got[1] != "delivered" {
		t.Fatalf("statuses = %v", got)
	}
	if err := srv.UserReads(res.MessageID); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if got := h.statusList(); len(got) != 3 || got[2] != "read" {
		t.Fatalf("statuses = %v", got)
	}
	if err := srv.UserReads("wamid.NOPE"); err == nil {
		t.Error("UserReads of an unknown id: no error")
	}
}

func TestWebhookURL(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	srv, _ := newTestServer(t, whatsapptest.WithWebhookURL(receiver.URL))
	ctx := testContext(t)
	srv.UserSends(testUser, "over the network")
	if _, err := srv.WaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if len(h.messages) != 1 {
		t.Errorf("messages = %v", h.messages)
	}
}

func TestUserTaps(t *testing.T) {
	h := &hookRecorder{t: t, secret: whatsapptest.DefaultAppSecret}
	srv, client := newTestServer(t, whatsapptest.WithWebhookHandler(h), whatsapptest.WithStatuses())
	ctx := testContext(t)
	srv.UserSends(testUser, "menu please")
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Interactive{
		Body:   "Pick one",
		Action: whatsapp.ReplyButtons{{ID: "sales", Title: "Sales"}, {ID: "support", Title: "Support"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.UserTaps(testUser, res.MessageID, "nope"); err == nil {
		t.Error("tap on a missing button: no error")
	}
	if _, err := srv.UserTaps("+15550009999", res.MessageID, "sales"); err == nil {
		t.Error("tap by another user: no error")
	}
	if _, err := srv.UserTaps(testUser, res.MessageID, "support"); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if len(h.messages) != 2 {
		t.Fatalf("messages = %v", h.messages)
	}
	m := h.messages[1]
	reply := m["interactive"].(map[string]any)["button_reply"].(map[string]any)
	if m["type"] != "interactive" || reply["id"] != "support" || reply["title"] != "Support" ||
		m["context"].(map[string]any)["id"] != res.MessageID {
		t.Errorf("tap webhook = %v", m)
	}
}
