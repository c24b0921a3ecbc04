package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// TestStory checks the timeline of requirements R1 line by line, in order.
func TestStory(t *testing.T) {
	var out bytes.Buffer
	if err := story(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"day 1 17:00  business: template order_confirmation",
		"day 1 17:00  webhook   delivered, charged (utility)",
		`day 1 17:05  webhook   customer: "Hi! Can I pick it up instead?"`,
		"window open until day 2 17:05",
		"day 1 17:06  business: text",
		"free (free_customer_service)",
		"day 1 17:06  business: buttons [Central station] [Airport] [Talk to a human]",
		`day 1 17:08  webhook   customer: taps "Central station"`,
		`day 1 20:31  webhook   customer: "Great, thanks!"`,
		"window open until day 2 20:31",
		"day 2 13:50  business: template order_shipped (inside the window)",
		"day 2 13:50  webhook   delivered, free (free_customer_service)",
		"day 2 20:31            24 hours after the customer's last message: the window closes",
		"day 3 18:00  business: text",
		"day 3 18:00            refused locally by the Guard: errors.Is(err, whatsapp.ErrWindowClosed), 0 requests sent",
		"day 3 18:00  business: template ticket_update (the fallback outside the window)",
		"day 3 18:00  webhook   delivered, charged (utility)",
		"The fake server accepted 6 messages",
	}
	rest := out.String()
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("missing (or out of order) %q in:\n%s", w, out.String())
		}
		rest = rest[i+len(w):]
	}
	if strings.Contains(out.String(), "failed") {
		t.Errorf("a message failed:\n%s", out.String())
	}
}

// TestSendReal runs the credentials path against the fake server.
func TestSendReal(t *testing.T) {
	srv := whatsapptest.NewServer(whatsapptest.WithErrorMode(whatsapptest.SyncErrors))
	defer srv.Close()
	ctx := context.Background()
	client := srv.Client(whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 1}))

	srv.UserSends("+15550001111", "hi")
	var out bytes.Buffer
	if err := sendReal(ctx, &out, client, srv.PhoneNumberID, "+15550001111"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Sent message wamid.") || !strings.Contains(out.String(), " to 15550001111") {
		t.Errorf("output = %q", out.String())
	}
	if m := srv.MessagesTo("+15550001111"); len(m) != 1 || !strings.Contains(m[0].Text(), "quickstart") {
		t.Errorf("server got %+v", m)
	}
	err := sendReal(ctx, &out, client, srv.PhoneNumberID, "+15550002222")
	if !errors.Is(err, whatsapp.ErrWindowClosed) || !strings.Contains(err.Error(), "only a template") {
		t.Errorf("send to a number that never wrote: %v", err)
	}
}
