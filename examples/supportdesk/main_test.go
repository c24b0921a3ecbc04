package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := demo(testContext(t), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := []string{
		`desk → +15551230001: "Hi! How can we help you today?" [Talk to sales] [Get support] [Try the demo]`,
		`desk → +15551230001: "We opened request #4521.`,
		`desk → +15551230002: "What would you like to talk about?" (Plans and pricing) (Enterprise) (Partnerships)`,
		`→ 15551230002 handed to a person: sales team`,
		`Mar 7 09:00  (ticket #4521 answered; window closed, template used: true)`,
		`desk → +15551230001: template ticket_update ["#4521" "7 March"]`,
		`→ 15551230001 handed to a person: support team, ticket "#4521"`,
	}
	rest := out.String()
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("missing (or out of order) %q in:\n%s", w, out.String())
		}
		rest = rest[i+len(w):]
	}
}

// deskFixture runs a desk against a fake server.
type deskFixture struct {
	srv      *whatsapptest.Server
	desk     *Desk
	mu       sync.Mutex
	handoffs []Handoff
}

func newDesk(t *testing.T, guarded bool, opts ...whatsapptest.Option) *deskFixture {
	t.Helper()
	ctx := testContext(t)
	f := &deskFixture{}
	f.srv = whatsapptest.NewServer(append([]whatsapptest.Option{whatsapptest.WithStatuses()}, opts...)...)
	t.Cleanup(f.srv.Close)
	if _, err := f.srv.AddTemplate(TicketTemplate); err != nil {
		t.Fatal(err)
	}
	guard, err := newGuard(ctx, f.srv.Client(), f.srv.WABAID, f.srv.PhoneNumberID, f.srv.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	var clientOpts []whatsapp.Option
	if guarded {
		clientOpts = append(clientOpts, whatsapp.WithGuard(guard))
	}
	f.desk = &Desk{Client: f.srv.Client(clientOpts...), PhoneNumberID: f.srv.PhoneNumberID, Clock: f.srv.Clock.Now,
		OnHandoff: func(h Handoff) { f.mu.Lock(); f.handoffs = append(f.handoffs, h); f.mu.Unlock() }}
	f.srv.SetWebhookHandler(handler(f.desk, guard, f.srv.AppSecret, "", nil))
	return f
}

// step lets the user act, delivers the webhooks and returns the desk's
// replies since the last step.
func (f *deskFixture) step(t *testing.T, user string, act func() error) []whatsapptest.SentMessage {
	t.Helper()
	before := len(f.srv.MessagesTo(user))
	if err := act(); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.Flush(testContext(t)); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.srv.Deliveries() {
		if !d.OK() {
			t.Fatalf("webhook answered %d: %v", d.StatusCode, d.Err)
		}
	}
	return f.srv.MessagesTo(user)[before:]
}

func (f *deskFixture) last(user string) string {
	m := f.srv.MessagesTo(user)
	return m[len(m)-1].ID
}

func TestFunnel(t *testing.T) {
	f := newDesk(t, true)
	const u = "+15551230001"
	got := f.step(t, u, func() error { f.srv.UserSends(u, "hi"); return nil })
	if len(got) != 1 || got[0].Text() != "Hi! How can we help you today?" {
		t.Fatalf("greeting = %+v", got)
	}
	buttons, _ := got[0].Message.Content.(whatsapp.Interactive).Action.(whatsapp.ReplyButtons)
	if len(buttons) != 3 || buttons[0].ID != choiceSales || buttons[1].ID != choiceSupport || buttons[2].ID != choiceDemo {
		t.Fatalf("choices = %+v", buttons)
	}
	// Demo chain: a call-to-action link.
	got = f.step(t, u, func() error { _, err := f.srv.UserTaps(u, f.last(u), choiceDemo); return err })
	if len(got) != 1 {
		t.Fatalf("demo replies = %+v", got)
	}
	if cta, ok := got[0].Message.Content.(whatsapp.Interactive).Action.(whatsapp.CTAURL); !ok || cta.URL != "https://demo.example.com/start" {
		t.Errorf("demo = %+v", got[0].Message.Content)
	}
	// Anything else brings the menu back; "human" hands over at once.
	got = f.step(t, u, func() error { f.srv.UserSends(u, "hmm"); return nil })
	if len(got) != 1 || got[0].Text() != "Hi! How can we help you today?" {
		t.Fatalf("menu again = %+v", got)
	}
	got = f.step(t, u, func() error { f.srv.UserSends(u, "I want a human please"); return nil })
	if len(got) != 1 || !strings.Contains(got[0].Text(), "Connecting you with a person") || len(f.handoffs) != 1 || f.handoffs[0].Team != "support" {
		t.Fatalf("hand-off = %+v, %+v", got, f.handoffs)
	}
	if h := f.handoffs[0].History; len(h) < 5 || h[0] != "customer: hi" {
		t.Errorf("history = %q", h)
	}
	// Once a person took over, the bot stays quiet.
	got = f.step(t, u, func() error { f.srv.UserSends(u, "hello?"); return nil })
	if len(got) != 0 {
		t.Errorf("bot answered after the hand-off: %+v", got)
	}
}

func TestTicketInsideAndOutsideWindow(t *testing.T) {
	f := newDesk(t, true)
	ctx := testContext(t)
	const u = "+15551230001"
	f.step(t, u, func() error { f.srv.UserSends(u, "hi"); return nil })
	f.step(t, u, func() error { _, err := f.srv.UserTaps(u, f.last(u), choiceSupport); return err })
	got := f.step(t, u, func() error { f.srv.UserSends(u, "Broken screen"); return nil })
	if len(got) != 1 || !strings.Contains(got[0].Text(), "#4521") {
		t.Fatalf("ticket reply = %+v", got)
	}
	if tk, ok := f.desk.Ticket("#4521"); !ok || tk.Problem != "Broken screen" || tk.Customer != "15551230001" {
		t.Errorf("ticket = %+v", tk)
	}
	// Within the window: a free-form answer.
	used, err := f.desk.AnswerTicket(ctx, "#4521", "5 March")
	if err != nil || used {
		t.Fatalf("inside the window: template %v, %v", used, err)
	}
	// Outside it: refused locally by the Guard (no request), then the
	// template with the two variables.
	f.srv.Clock.Advance(25 * time.Hour)
	before := len(f.srv.Requests())
	used, err = f.desk.AnswerTicket(ctx, "#4521", "7 March")
	if err != nil || !used {
		t.Fatalf("outside the window: template %v, %v", used, err)
	}
	if n := len(f.srv.Requests()) - before; n != 1 {
		t.Errorf("requests = %d, want 1 (the free-form send refused locally)", n)
	}
	last := f.srv.MessagesTo(u)
	tpl, ok := last[len(last)-1].Message.Content.(whatsapp.Template)
	if !ok || tpl.Name != "ticket_update" || tpl.Components[0].Parameters[0].Text != "#4521" || tpl.Components[0].Parameters[1].Text != "7 March" {
		t.Fatalf("template = %+v", last[len(last)-1].Message.Content)
	}
	if _, err := f.desk.AnswerTicket(ctx, "#9999", "x"); err == nil {
		t.Error("unknown ticket: no error")
	}
}

// TestTicketWithoutGuard: without a Guard the platform refuses the
// free-form message (here synchronously) and the desk still falls back.
func TestTicketWithoutGuard(t *testing.T) {
	f := newDesk(t, false, whatsapptest.WithErrorMode(whatsapptest.SyncErrors))
	const u = "+15551230001"
	f.step(t, u, func() error { f.srv.UserSends(u, "hi"); return nil })
	f.step(t, u, func() error { _, err := f.srv.UserTaps(u, f.last(u), choiceSupport); return err })
	f.step(t, u, func() error { f.srv.UserSends(u, "Broken"); return nil })
	f.srv.Clock.Advance(48 * time.Hour)
	used, err := f.desk.AnswerTicket(testContext(t), "#4521", "9 March")
	if err != nil || !used {
		t.Fatalf("template %v, %v", used, err)
	}
	var refused int
	for _, r := range f.srv.Requests() {
		if r.ErrorCode == 131047 {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("131047 answers = %d, want 1", refused)
	}
}
