// Command broadcast sends a marketing template to an opted-in list without
// breaking WhatsApp's rules: a Guard refuses recipients who did not opt in
// or stopped marketing, those in their quiet hours (night and weekend in
// their own time zone) and everyone beyond the messaging limit, waits out
// throughput limits, and the Client retries rate-limited calls. It prints
// progress and a summary of sent, skipped by rule and failed messages.
//
// It runs against whatsapptest, the library's fake Cloud API, on a fake
// clock (a real broadcast needs a real list and an approved template: see
// the Broadcaster type).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func main() {
	if err := demo(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
}

// SpringSale is the marketing template of the demo.
var SpringSale = whatsapp.MessageTemplate{
	Name: "spring_sale", Language: "en", Category: whatsapp.TemplateCategoryMarketing,
	Components: []whatsapp.MessageTemplateComponent{{
		Type:    whatsapp.BodyComponent,
		Text:    "Hi {{1}}, our spring sale starts today: 20% off everything until Sunday.",
		Example: whatsapp.TemplateExample{BodyText: [][]string{{"Ann"}}},
	}},
}

// demoList is the mailing list: 56 opted-in UK customers, a few in other
// time zones, two who never opted in, one who stopped marketing, and one
// number that is not on WhatsApp.
func demoList() (list []Recipient, optedIn []string) {
	add := func(phone, name string, opted bool) {
		list = append(list, Recipient{Phone: phone, Name: name})
		if opted {
			optedIn = append(optedIn, phone)
		}
	}
	add("+81312345678", "Haruto", true)   // Tokyo: 23:00, quiet hours
	add("+15551230001", "Noah", false)    // never opted in
	add("+447700990001", "Stopped", true) // tapped "Stop promotions"
	add("+447700990002", "Ghost", true)   // not on WhatsApp
	for i := range 56 {
		add(fmt.Sprintf("+44770090%04d", i), fmt.Sprintf("Customer %d", i+1), true)
		if i == 20 {
			add("+61212345678", "Olivia", true) // Sydney: 01:00, quiet hours
			add("+15551230002", "Emma", false)  // never opted in
		}
	}
	return list, optedIn
}

func demo(ctx context.Context, out io.Writer) error {
	// Tuesday 4 March 2025, 14:00 UTC: afternoon in London, night in Tokyo
	// and Sydney.
	start := time.Date(2025, time.March, 4, 14, 0, 0, 0, time.UTC)
	srv := whatsapptest.NewServer(
		whatsapptest.WithClock(whatsapptest.NewClock(start)),
		whatsapptest.WithStatuses("sent"),
		whatsapptest.WithUndeliverable("+447700990002"),
	)
	defer srv.Close()
	if _, err := srv.AddTemplate(SpringSale); err != nil {
		return err
	}

	reg := &whatsapp.TemplateRegistry{}
	reg.SetPhoneNumberWABA(srv.PhoneNumberID, srv.WABAID)
	if err := reg.Sync(ctx, srv.Client(), srv.WABAID); err != nil {
		return err
	}
	guard := &whatsapp.Guard{Clock: srv.Clock.Now, Policy: whatsapp.Policy{
		Templates: func(name, lang string) (string, string, bool) {
			t, ok := reg.LookupTemplate(name, lang)
			return string(t.Category), string(t.Status), ok
		},
	}}
	list, optedIn := demoList()
	for _, p := range optedIn {
		if err := guard.SetOptIn(ctx, p, true); err != nil {
			return err
		}
	}
	// The account's messaging limit: 50 users a day outside the window.
	if err := guard.SetTier(ctx, srv.PhoneNumberID, whatsapp.Tier50); err != nil {
		return err
	}

	b := &Broadcaster{
		Client: srv.Client(whatsapp.WithGuard(guard), whatsapp.WithRetry(whatsapp.RetryConfig{
			MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})),
		PhoneNumberID: srv.PhoneNumberID,
		Template:      SpringSale,
		Clock:         srv.Clock.Now,
		// On the fake clock, waiting means moving the clock.
		Wait:          func(_ context.Context, until time.Time) error { srv.Clock.Set(until); return nil },
		Progress:      out,
		ProgressEvery: 10,
	}
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:      srv.AppSecret,
		OnNotification: guard.Observe, // learns opt-outs from user_preferences
		OnStatus:       b.OnStatus,
	}))

	// Before the broadcast: one customer tapped "Stop promotions".
	srv.UserStopsMarketing("+447700990001")
	if err := srv.Flush(ctx); err != nil {
		return err
	}
	// During it, the platform rate-limits two calls: the Client retries.
	srv.InjectFault(whatsapptest.Fault{Pattern: "POST /{phone}/messages", Code: 130429, Times: 2})

	fmt.Fprintf(out, "broadcast of %q to %d recipients, %s (fake clock)\n", SpringSale.Name, len(list), srv.Clock.Now().Format("Mon 2 Jan 15:04 MST"))
	sum, err := b.Run(ctx, list)
	if err != nil {
		return err
	}
	if err := srv.Flush(ctx); err != nil {
		return err
	}
	sum = b.Summarize(sum)
	var retried int
	for _, r := range srv.Requests() {
		if r.ErrorCode == 130429 {
			retried++
		}
	}
	fmt.Fprintf(out, "rate-limited calls retried by the client: %d\n", retried)
	fmt.Fprintln(out, sum)
	return nil
}
