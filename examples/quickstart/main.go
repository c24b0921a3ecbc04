// Command quickstart shows the 24-hour customer service window of the
// WhatsApp Business Cloud API, the rule every WhatsApp integration lives
// by, and how this library keeps you inside it.
//
// With no credentials it starts whatsapptest, the library's fake Cloud API,
// in the same process, and plays a customer conversation over three days
// on a fake clock: a template to a new contact, the customer's reply
// arriving by webhook, free-form replies and a button menu while the
// window is open, a free utility template inside the window, the window
// closing 24 hours after the customer's last message, a free-form message
// refused locally by the Guard (no request is made), and the template that
// reopens the conversation. It prints the timeline and finishes in a
// fraction of a second.
//
// With WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TO set it
// sends one real text message to WHATSAPP_TO instead (which must have
// written to the business number in the last 24 hours).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func main() {
	ctx := context.Background()
	var err error
	if token, pnid, to := os.Getenv("WHATSAPP_TOKEN"), os.Getenv("WHATSAPP_PHONE_NUMBER_ID"), os.Getenv("WHATSAPP_TO"); token != "" && pnid != "" && to != "" {
		err = sendReal(ctx, os.Stdout, whatsapp.NewClient(token), pnid, to)
	} else {
		err = story(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// sendReal sends one text message through the real Cloud API.
func sendReal(ctx context.Context, out io.Writer, client *whatsapp.Client, phoneNumberID, to string) error {
	res, err := client.Send(ctx, phoneNumberID, whatsapp.Message{
		To:      to,
		Content: whatsapp.Text{Body: "Hello from the wacloud WhatsApp Go SDK quickstart."},
	})
	if errors.Is(err, whatsapp.ErrWindowClosed) {
		return fmt.Errorf("%s has not written to this number in the last 24 hours: only a template may be sent: %w", to, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Sent message %s to %s\n", res.MessageID, res.WaID)
	return nil
}

// The customer and the first day of the story.
const customer = "+15551234567"

var day1 = time.Date(2025, time.March, 4, 0, 0, 0, 0, time.UTC)

// Templates the business created and Meta approved before the story
// starts.
var templates = []whatsapp.MessageTemplate{
	{
		Name: "order_confirmation", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{{
			Type:    whatsapp.BodyComponent,
			Text:    "Hi {{1}}, we received your order {{2}}. Reply here with any question.",
			Example: whatsapp.TemplateExample{BodyText: [][]string{{"Ann", "#1001"}}},
		}},
	},
	{
		Name: "order_shipped", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{{
			Type:    whatsapp.BodyComponent,
			Text:    "Good news: order {{1}} is on its way to {{2}}. Track it from this chat.",
			Example: whatsapp.TemplateExample{BodyText: [][]string{{"#1001", "your pick-up point"}}},
		}},
	},
	{
		Name: "ticket_update", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{{
			Type:    whatsapp.BodyComponent,
			Text:    "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}.",
			Example: whatsapp.TemplateExample{BodyText: [][]string{{"#4521", "7 March"}}},
		}},
	},
}

// timeline prints the story's lines, each stamped with the fake clock.
type timeline struct {
	mu    sync.Mutex
	out   io.Writer
	clock func() time.Time
}

func (t *timeline) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "%s  %s\n", stamp(t.clock()), fmt.Sprintf(format, args...))
}

// stamp reads "day 2 13:50".
func stamp(at time.Time) string {
	return fmt.Sprintf("day %d %s", int(at.Sub(day1)/(24*time.Hour))+1, at.Format("15:04"))
}

// story plays requirements R1 against the fake server.
func story(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "No WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TO set: running against whatsapptest,")
	fmt.Fprintln(out, "the library's fake Cloud API, on a fake clock. The 24-hour customer service window, step by step:")
	fmt.Fprintln(out)

	srv := whatsapptest.NewServer(
		whatsapptest.WithClock(whatsapptest.NewClock(day1.Add(17*time.Hour))),
		whatsapptest.WithStatuses("sent", "delivered"),
	)
	defer srv.Close()
	for _, t := range templates {
		if _, err := srv.AddTemplate(t); err != nil {
			return err
		}
	}
	tl := &timeline{out: out, clock: srv.Clock.Now}

	// The business's side: a Guard that knows the rules (on the server's
	// clock), a template registry synced from the API, and a client that
	// checks every send with both before it leaves the process.
	registry := &whatsapp.TemplateRegistry{}
	registry.SetPhoneNumberWABA(srv.PhoneNumberID, srv.WABAID)
	guard := &whatsapp.Guard{
		Clock: srv.Clock.Now,
		Policy: whatsapp.Policy{Templates: func(name, lang string) (string, string, bool) {
			t, ok := registry.LookupTemplate(name, lang)
			return string(t.Category), string(t.Status), ok
		}},
	}
	client := srv.Client(whatsapp.WithGuard(guard), whatsapp.WithTemplateRegistry(registry))
	if err := registry.Sync(ctx, client, srv.WABAID); err != nil {
		return err
	}
	if err := guard.SetOptIn(ctx, customer, true); err != nil {
		return err
	}

	// The webhook: the library's handler verifies the signature, the Guard
	// learns from every notification (the window opens with each customer
	// message), and the callbacks print what arrives.
	var (
		mu     sync.Mutex
		window whatsapp.Window
		menuID string
	)
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:      srv.AppSecret,
		OnNotification: guard.Observe,
		OnMessage: func(_ context.Context, m *whatsapp.InboundMessage) error {
			mu.Lock()
			window = window.Record(m.Timestamp)
			closes := window.ClosesAt()
			mu.Unlock()
			what := ""
			switch {
			case m.Text != nil:
				what = fmt.Sprintf("%q", m.Text.Body)
			case m.Interactive != nil && m.Interactive.ButtonReply != nil:
				what = fmt.Sprintf("taps %q", m.Interactive.ButtonReply.Title)
			default:
				what = m.Type
			}
			tl.printf("webhook   customer: %-44s window open until %s", what, stamp(closes))
			return nil
		},
		OnStatus: func(_ context.Context, s *whatsapp.Status) error {
			if s.Status != "delivered" || s.Pricing == nil {
				return nil
			}
			price := "charged (" + s.Pricing.Category + ")"
			if s.Pricing.Type != "regular" {
				price = "free (" + s.Pricing.Type + ")"
			}
			tl.printf("webhook   delivered, %s", price)
			return nil
		},
	}))

	// send prints what the business sends, sends it, and waits until the
	// webhooks it causes were delivered.
	send := func(label string, content whatsapp.Content) (*whatsapp.SendResult, error) {
		tl.printf("business: %s", label)
		res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: customer, Content: content})
		if ferr := srv.Flush(ctx); ferr != nil {
			return nil, ferr
		}
		return res, err
	}
	user := func(at time.Duration, do func()) error {
		srv.Clock.Set(day1.Add(at))
		do()
		return srv.Flush(ctx)
	}
	params := func(t whatsapp.MessageTemplate, values ...string) (whatsapp.Template, error) {
		return t.Build(whatsapp.TemplateValues{Body: values})
	}

	// Day 1, 17:00: first contact. Nobody wrote yet: only a template.
	tpl, err := params(templates[0], "Ann", "#1001")
	if err != nil {
		return err
	}
	if _, err := send("template order_confirmation (first contact: templates only)", tpl); err != nil {
		return err
	}

	// 17:05: the customer answers; the webhook opens the window.
	if err := user(17*time.Hour+5*time.Minute, func() { srv.UserSends(customer, "Hi! Can I pick it up instead?") }); err != nil {
		return err
	}

	// Inside the window: free-form text and a button menu.
	srv.Clock.Set(day1.Add(17*time.Hour + 6*time.Minute))
	if _, err := send(`text "Of course! Where would you like to pick it up?"`, whatsapp.Text{Body: "Of course! Where would you like to pick it up?"}); err != nil {
		return err
	}
	menu, err := send("buttons [Central station] [Airport] [Talk to a human]", whatsapp.Interactive{
		Body: "Choose a pick-up point:",
		Action: whatsapp.ReplyButtons{
			{ID: "central", Title: "Central station"},
			{ID: "airport", Title: "Airport"},
			{ID: "human", Title: "Talk to a human"},
		},
	})
	if err != nil {
		return err
	}
	menuID = menu.MessageID
	var tapErr error
	if err := user(17*time.Hour+8*time.Minute, func() { _, tapErr = srv.UserTaps(customer, menuID, "central") }); err != nil {
		return err
	}
	if tapErr != nil {
		return tapErr
	}
	srv.Clock.Set(day1.Add(17*time.Hour + 9*time.Minute))
	if _, err := send(`text "Done: Central station, from tomorrow noon."`, whatsapp.Text{Body: "Done: Central station, from tomorrow noon."}); err != nil {
		return err
	}

	// 20:31: the customer's last message. The window now closes at day 2
	// 20:31.
	if err := user(20*time.Hour+31*time.Minute, func() { srv.UserSends(customer, "Great, thanks!") }); err != nil {
		return err
	}

	// Day 2, 13:50: a utility template inside the window is free.
	srv.Clock.Set(day1.Add(24*time.Hour + 13*time.Hour + 50*time.Minute))
	if tpl, err = params(templates[1], "#1001", "Central station"); err != nil {
		return err
	}
	if _, err := send("template order_shipped (inside the window)", tpl); err != nil {
		return err
	}

	// Day 2, 20:31: the window closes.
	srv.Clock.Set(day1.Add(24*time.Hour + 20*time.Hour + 31*time.Minute))
	tl.printf("          24 hours after the customer's last message: the window closes")

	// Day 3, 18:00: a free-form message is refused before any request.
	srv.Clock.Set(day1.Add(48*time.Hour + 18*time.Hour))
	before := len(srv.Requests())
	_, err = send(`text "Your parcel is waiting at Central station."`, whatsapp.Text{Body: "Your parcel is waiting at Central station."})
	switch {
	case errors.Is(err, whatsapp.ErrWindowClosed):
		tl.printf("          refused locally by the Guard: errors.Is(err, whatsapp.ErrWindowClosed), %d requests sent", len(srv.Requests())-before)
	case err != nil:
		return err
	default:
		return errors.New("the free-form message outside the window was not refused")
	}

	// The fallback: a template reopens the conversation.
	if tpl, err = params(templates[2], "#4521", "7 March"); err != nil {
		return err
	}
	if _, err := send("template ticket_update (the fallback outside the window)", tpl); err != nil {
		return err
	}

	fmt.Fprintln(out)
	fmt.Fprintf(out, "The fake server accepted %d messages; see examples/echobot, examples/supportdesk and examples/broadcast next.\n", len(srv.Messages()))
	return nil
}
