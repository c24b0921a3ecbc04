package main

import (
	"bytes"
	"context"
	"strings"
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

func TestEchoBot(t *testing.T) {
	srv := whatsapptest.NewServer()
	defer srv.Close()
	bot := &Bot{Client: srv.Client(), PhoneNumberID: srv.PhoneNumberID}
	srv.SetWebhookHandler(bot.Handler(srv.AppSecret, "verify"))
	ctx := testContext(t)

	const user = "+15551230001"
	in := srv.UserSends(user, "ping")
	srv.UserSendsLocation(user, whatsapp.Location{Latitude: 1.5, Longitude: 2.25})
	if _, err := srv.UserSendsMedia(user, whatsapptest.UserMedia{MIMEType: "image/jpeg", Data: []byte("jpeg")}); err != nil {
		t.Fatal(err)
	}
	got, err := srv.WaitMessages(ctx, user, 3)
	if err != nil {
		t.Fatalf("%v; got %+v", err, got)
	}
	want := []string{"You said: ping", "You are at 1.5000, 2.2500", "Thanks for the image!"}
	for i, w := range want {
		if got[i].Text() != w {
			t.Errorf("reply %d = %q, want %q", i, got[i].Text(), w)
		}
		if got[i].Error != nil {
			t.Errorf("reply %d failed: %v", i, got[i].Error)
		}
	}
	if got[0].Message.ReplyTo != in {
		t.Errorf("reply quotes %q, want %q", got[0].Message.ReplyTo, in)
	}
	if reads := srv.ReadReceipts(); len(reads) != 3 || !reads[0].Typing || reads[0].MessageID != in {
		t.Errorf("read receipts = %+v", reads)
	}
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range srv.Deliveries() {
		if !d.OK() {
			t.Errorf("webhook answered %d: %v", d.StatusCode, d.Err)
		}
	}
}

// TestEchoBotRedelivery: Meta delivers each message at least once; the
// library's handler drops the duplicate, so the bot answers once.
func TestEchoBotRedelivery(t *testing.T) {
	srv := whatsapptest.NewServer(whatsapptest.WithDelivery(whatsapptest.DeliveryPolicy{Duplicate: true}))
	defer srv.Close()
	bot := &Bot{Client: srv.Client(), PhoneNumberID: srv.PhoneNumberID}
	srv.SetWebhookHandler(bot.Handler(srv.AppSecret, ""))
	ctx := testContext(t)
	srv.UserSends("+15551230001", "once")
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.MessagesTo("+15551230001"); len(got) != 1 {
		t.Errorf("bot answered %d times to one message delivered twice", len(got))
	}
}

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := demo(testContext(t), &out); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"customer: Hello bot", "bot:      You said: Hello bot", "bot:      You are at 52.3676, 4.9041"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("missing %q in:\n%s", w, out.String())
		}
	}
}
