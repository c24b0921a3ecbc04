package whatsapptest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// inbox collects what the library's own webhook handler decodes.
type inbox struct {
	mu       sync.Mutex
	messages []*whatsapp.InboundMessage
	statuses []*whatsapp.Status
}

func (b *inbox) handler(secret string) whatsapp.WebhookConfig {
	return whatsapp.WebhookConfig{
		AppSecret: secret,
		OnMessage: func(_ context.Context, m *whatsapp.InboundMessage) error {
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
			return nil
		},
		OnStatus: func(_ context.Context, s *whatsapp.Status) error {
			b.mu.Lock()
			b.statuses = append(b.statuses, s)
			b.mu.Unlock()
			return nil
		},
	}
}

func (b *inbox) statusNames() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, s := range b.statuses {
		out = append(out, s.Status)
	}
	return out
}

// TestLibraryHandler checks the server's webhooks with the library's own
// handler: the signature verifies, messages and statuses decode, and a
// failed status carries an error that matches the library's sentinel.
func TestLibraryHandler(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t, whatsapptest.WithAppSecret("app-secret"))
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler("app-secret")))
	ctx := testContext(t)

	in := srv.UserSends(testUser, "hello")
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Clock.Advance(25 * time.Hour)
	late, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "too late"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range srv.Deliveries() {
		if d.StatusCode != 200 {
			t.Errorf("delivery answered %d", d.StatusCode)
		}
	}
	if len(box.messages) != 1 {
		t.Fatalf("messages = %d, want 1", len(box.messages))
	}
	m := box.messages[0]
	if m.ID != in || m.From != "15551230001" || m.Text == nil || m.Text.Body != "hello" ||
		m.PhoneNumberID != srv.PhoneNumberID || m.DisplayPhoneNumber != whatsapptest.DefaultDisplayPhoneNumber ||
		m.WABAID != srv.WABAID || !m.Timestamp.Equal(srv.Clock.Now().Add(-25*time.Hour)) {
		t.Errorf("message = %+v", m)
	}
	if got := box.statusNames(); len(got) != 4 || got[0] != "sent" || got[2] != "read" || got[3] != "failed" {
		t.Fatalf("statuses = %v", got)
	}
	if s := box.statuses[0]; s.ID != res.MessageID || s.RecipientID != "15551230001" || s.PhoneNumberID != srv.PhoneNumberID {
		t.Errorf("status = %+v", s)
	}
	failed := box.statuses[3]
	if failed.ID != late.MessageID || !errors.Is(failed.Err(), whatsapp.ErrWindowClosed) {
		t.Errorf("failed status = %+v, err %v; want 131047", failed, failed.Err())
	}
}

// TestLibraryHandlerDeduplicates proves the point of Duplicate: the
// library's handler sees each item once although every POST comes twice.
func TestLibraryHandlerDeduplicates(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t, whatsapptest.WithDelivery(whatsapptest.DeliveryPolicy{Duplicate: true, BatchSize: 3, Reorder: true}))
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	srv.UserSends(testUser, "hello")
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "hi"}}); err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if n := len(srv.Deliveries()); n != 4 {
		t.Errorf("deliveries = %d, want 4", n)
	}
	if len(box.messages) != 1 || len(box.statuses) != 3 {
		t.Errorf("handler saw %d messages and %d statuses, want 1 and 3", len(box.messages), len(box.statuses))
	}
}

func TestUserArrivesFromAd(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t)
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	srv.UserArrivesFromAd(testUser, "I saw your ad", whatsapp.Referral{
		SourceURL: "https://fb.me/ad", SourceID: "120000001", Headline: "Spring sale", CTWAClickID: "clid-42",
		WelcomeMessage: &whatsapp.WelcomeMessage{Text: "Hi!"},
	})
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "Welcome"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Flush(ctx)
	if len(box.messages) != 1 || box.messages[0].Referral == nil {
		t.Fatalf("messages = %+v", box.messages)
	}
	ref := box.messages[0].Referral
	if ref.SourceType != "ad" || ref.SourceID != "120000001" || ref.CTWAClickID != "clid-42" || ref.Headline != "Spring sale" ||
		ref.WelcomeMessage == nil || ref.WelcomeMessage.Text != "Hi!" {
		t.Errorf("referral = %+v", ref)
	}
	// The reply opens a free entry point window (reference 5.2).
	m, _ := srv.Message(res.MessageID)
	if m.Category != "referral_conversion" || m.PricingType != "free_entry_point" {
		t.Errorf("pricing = %s/%s, want referral_conversion/free_entry_point", m.Category, m.PricingType)
	}
	if p := box.statuses[0].Pricing; p == nil || p.Type != "free_entry_point" {
		t.Errorf("status pricing = %+v", box.statuses[0].Pricing)
	}
}

func TestPairRateLimit(t *testing.T) {
	srv, client := newTestServer(t, whatsapptest.WithPairRateLimit())
	ctx := testContext(t)
	other := "+15551230002"
	srv.UserSends(testUser, "hi")
	srv.UserSends(other, "hi")
	m := whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}
	// Reference 5.5: bursts of up to 45 in 6 seconds, then 131056.
	for i := range whatsapp.PairBurst {
		if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	_, err := client.Send(ctx, srv.PhoneNumberID, m)
	if !errors.Is(err, whatsapp.ErrPairRateLimited) || apiError(t, err).Code != 131056 {
		t.Fatalf("send 46: %v, want 131056", err)
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: other, Content: whatsapp.Text{Body: "x"}}); err != nil {
		t.Fatalf("another user is unaffected: %v", err)
	}
	srv.Clock.Advance(whatsapp.PairBurst * whatsapp.PairInterval)
	if _, err := client.Send(ctx, srv.PhoneNumberID, m); err != nil {
		t.Fatalf("after the debt is paid: %v", err)
	}
}

func TestThroughput(t *testing.T) {
	srv, client := newTestServer(t, whatsapptest.WithThroughput(whatsapp.ThroughputStandard))
	ctx := testContext(t)
	var users []string
	for i := range 20 {
		u := "+1555123" + string(rune('1'+i/10)) + string(rune('0'+i%10)) + "00"
		users = append(users, u)
		srv.UserSends(u, "hi")
	}
	burst := whatsapp.ThroughputBurst(whatsapp.StandardMessagesPerSecond)
	var limited int
	for _, u := range users {
		_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: u, Content: whatsapp.Text{Body: "x"}})
		if errors.Is(err, whatsapp.ErrRateLimited) && apiError(t, err).Code == 130429 {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if limited != len(users)-burst {
		t.Errorf("limited %d of %d sends at one instant, want all but the burst of %d", limited, len(users), burst)
	}
	srv.Clock.Advance(time.Second)
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: users[0], Content: whatsapp.Text{Body: "x"}}); err != nil {
		t.Errorf("a second later: %v", err)
	}
}

func TestUserStopsMarketing(t *testing.T) {
	var box inbox
	var prefs []*whatsapp.UserPreference
	srv, client := newTestServer(t, whatsapptest.WithErrorMode(whatsapptest.SyncErrors))
	cfg := box.handler(srv.AppSecret)
	cfg.OnUserPreference = func(_ context.Context, p *whatsapp.UserPreference) error {
		prefs = append(prefs, p)
		return nil
	}
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(cfg))
	ctx := testContext(t)
	promo := whatsapp.MessageTemplate{Name: "spring_sale", Language: "en", Category: whatsapp.TemplateCategoryMarketing,
		Components: []whatsapp.MessageTemplateComponent{{Type: whatsapp.BodyComponent, Text: "Spring sale: 20% off everything this week!"}}}
	if _, err := srv.AddTemplate(promo); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddTemplate(ticketTemplate()); err != nil {
		t.Fatal(err)
	}
	send := func(name string, comps ...whatsapp.TemplateComponent) error {
		_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Template{Name: name, Language: "en_US", Components: comps}})
		return err
	}
	promoSend := func() error {
		_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Template{Name: "spring_sale", Language: "en"}})
		return err
	}
	if err := promoSend(); err != nil {
		t.Fatal(err)
	}
	srv.UserStopsMarketing(testUser)
	srv.Flush(ctx)
	if len(prefs) != 1 || prefs[0].Value != "stop" || prefs[0].WaID != "15551230001" || prefs[0].Category != "marketing_messages" {
		t.Fatalf("preferences = %+v", prefs)
	}
	if err := promoSend(); !errors.Is(err, whatsapp.ErrMarketingOptOut) || apiError(t, err).Code != 131050 {
		t.Errorf("marketing after stop: %v, want 131050", err)
	}
	// Utility templates still go.
	if err := send("ticket_update", whatsapp.BodyParameters(whatsapp.TextParameter("#1"), whatsapp.TextParameter("Monday"))); err != nil {
		t.Errorf("utility after stop: %v", err)
	}
	srv.UserResumesMarketing(testUser)
	if err := promoSend(); err != nil {
		t.Errorf("marketing after resume: %v", err)
	}
}

// TestStatusConversationByVersion: reference 6.6, statuses carry a
// conversation object up to v23.0 and not from v24.0.
func TestStatusConversationByVersion(t *testing.T) {
	var box inbox
	srv, _ := newTestServer(t, whatsapptest.WithStatuses("sent"))
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	srv.UserSends(testUser, "hi")
	for _, v := range []string{"v23.0", "v24.0"} {
		c := srv.Client(whatsapp.WithAPIVersion(v))
		if _, err := c.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: v}}); err != nil {
			t.Fatal(err)
		}
	}
	srv.Flush(ctx)
	if len(box.statuses) != 2 {
		t.Fatalf("statuses = %d", len(box.statuses))
	}
	if c := box.statuses[0].Conversation; c == nil || c.ID == "" || c.Origin.Type != "service" || c.ExpirationTimestamp.IsZero() {
		t.Errorf("v23.0 conversation = %+v", c)
	}
	if c := box.statuses[1].Conversation; c != nil {
		t.Errorf("v24.0 conversation = %+v, want none", c)
	}
}
