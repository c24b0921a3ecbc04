// Command supportdesk is a support desk bot: the funnel of requirements
// R6 (a greeting with three choices, sales, support and demo chains, a
// hand-off to a person at any point) and the long-running case of R1 (a
// ticket answered days later through a template with two variables).
//
// Set WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET (and
// WHATSAPP_VERIFY_TOKEN, ADDR) to serve real webhooks at /webhook. Without
// them it plays a conversation against whatsapptest, the library's fake
// Cloud API, and prints it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if token, pnid := os.Getenv("WHATSAPP_TOKEN"), os.Getenv("WHATSAPP_PHONE_NUMBER_ID"); token != "" && pnid != "" {
		err = serve(ctx, token, pnid)
	} else {
		err = demo(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "supportdesk:", err)
		os.Exit(1)
	}
}

// handler wires the desk to the library's webhook handler, with the Guard
// observing every notification (it learns the windows from them).
func handler(d *Desk, guard *whatsapp.Guard, appSecret, verifyToken string, logger *slog.Logger) http.Handler {
	return whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:      appSecret,
		VerifyToken:    verifyToken,
		OnNotification: guard.Observe,
		OnMessage:      d.OnMessage,
		Logger:         logger,
	})
}

// newGuard returns a Guard that knows the account's templates (their
// category decides which rules apply: the ticket template is utility, so
// quiet hours for marketing do not delay it). clock nil is the real clock.
func newGuard(ctx context.Context, client *whatsapp.Client, wabaID, pnid string, clock func() time.Time) (*whatsapp.Guard, error) {
	reg := &whatsapp.TemplateRegistry{}
	reg.SetPhoneNumberWABA(pnid, wabaID)
	if err := reg.Sync(ctx, client, wabaID); err != nil {
		return nil, err
	}
	return &whatsapp.Guard{Clock: clock, Policy: whatsapp.Policy{
		// Customers write first here; the desk only writes
		// business-initiated messages about their own requests.
		OptInOptional: true,
		Templates: func(name, lang string) (string, string, bool) {
			t, ok := reg.LookupTemplate(name, lang)
			return string(t.Category), string(t.Status), ok
		},
	}}, nil
}

func serve(ctx context.Context, token, pnid string) error {
	secret := os.Getenv("WHATSAPP_APP_SECRET")
	if secret == "" {
		return errors.New("WHATSAPP_APP_SECRET is required to verify webhook signatures")
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	wabaID := os.Getenv("WHATSAPP_WABA_ID")
	if wabaID == "" {
		return errors.New("WHATSAPP_WABA_ID is required to look up the ticket template")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	client := whatsapp.NewClient(token, whatsapp.WithLogger(logger))
	guard, err := newGuard(ctx, client, wabaID, pnid, nil)
	if err != nil {
		return err
	}
	desk := &Desk{
		Client:        whatsapp.NewClient(token, whatsapp.WithGuard(guard), whatsapp.WithLogger(logger)),
		PhoneNumberID: pnid,
		OnHandoff: func(h Handoff) {
			logger.Info("hand-off", "team", h.Team, "ticket", h.Ticket, "messages", len(h.History))
		},
	}
	mux := http.NewServeMux()
	mux.Handle("/webhook", handler(desk, guard, secret, os.Getenv("WHATSAPP_VERIFY_TOKEN"), logger))
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// demo plays the funnel against the fake server.
func demo(ctx context.Context, out io.Writer) error {
	start := time.Date(2025, time.March, 4, 9, 0, 0, 0, time.UTC)
	srv := whatsapptest.NewServer(whatsapptest.WithClock(whatsapptest.NewClock(start)), whatsapptest.WithStatuses())
	defer srv.Close()
	if _, err := srv.AddTemplate(TicketTemplate); err != nil {
		return err
	}
	guard, err := newGuard(ctx, srv.Client(), srv.WABAID, srv.PhoneNumberID, srv.Clock.Now)
	if err != nil {
		return err
	}
	var handoffs []Handoff
	var mu sync.Mutex
	desk := &Desk{
		Client:        srv.Client(whatsapp.WithGuard(guard)),
		PhoneNumberID: srv.PhoneNumberID,
		Clock:         srv.Clock.Now,
		OnHandoff: func(h Handoff) {
			mu.Lock()
			handoffs = append(handoffs, h)
			mu.Unlock()
		},
	}
	srv.SetWebhookHandler(handler(desk, guard, srv.AppSecret, "", nil))

	const ann, bob = "+15551230001", "+15551230002"
	shown := map[string]int{}
	show := func() error {
		if err := srv.Flush(ctx); err != nil {
			return err
		}
		for _, who := range []string{ann, bob} {
			msgs := srv.MessagesTo(who)
			for _, m := range msgs[shown[who]:] {
				fmt.Fprintf(out, "%s  desk → %s: %s\n", srv.Clock.Now().Format("Jan 2 15:04"), who, describe(m))
			}
			shown[who] = len(msgs)
		}
		mu.Lock()
		for _, h := range handoffs {
			fmt.Fprintf(out, "             → %s handed to a person: %s team, ticket %q, %d messages of history\n", h.Customer, h.Team, h.Ticket, len(h.History))
		}
		handoffs = nil
		mu.Unlock()
		return nil
	}
	user := func(who, what string, do func() error) error {
		fmt.Fprintf(out, "%s  %s: %s\n", srv.Clock.Now().Format("Jan 2 15:04"), who, what)
		if err := do(); err != nil {
			return err
		}
		return show()
	}
	last := func(who string) string {
		msgs := srv.MessagesTo(who)
		return msgs[len(msgs)-1].ID
	}
	tap := func(who, id string) func() error {
		return func() error { _, err := srv.UserTaps(who, last(who), id); return err }
	}
	write := func(who, text string) func() error {
		return func() error { srv.UserSends(who, text); return nil }
	}

	fmt.Fprintln(out, "supportdesk demo against whatsapptest (set WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID for real webhooks)")
	steps := []struct {
		who, what string
		do        func() error
	}{
		{ann, `"Hello"`, write(ann, "Hello")},
		{ann, `taps "Get support"`, tap(ann, choiceSupport)},
		{ann, `"My order #1001 arrived broken"`, write(ann, "My order #1001 arrived broken")},
		{bob, `"Hi there"`, write(bob, "Hi there")},
		{bob, `taps "Talk to sales"`, tap(bob, choiceSales)},
		{bob, `picks "Enterprise"`, tap(bob, "enterprise")},
	}
	for _, s := range steps {
		if err := user(s.who, s.what, s.do); err != nil {
			return err
		}
	}
	// Three days later the team has an answer for Ann: her window closed
	// long ago, so the desk comes back with the template.
	srv.Clock.Advance(3 * 24 * time.Hour)
	used, err := desk.AnswerTicket(ctx, "#4521", "7 March")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  (ticket #4521 answered; window closed, template used: %v)\n", srv.Clock.Now().Format("Jan 2 15:04"), used)
	if err := show(); err != nil {
		return err
	}
	return user(ann, `taps "Talk to a human" on the template`, func() error {
		_, err := srv.UserTaps(ann, last(ann), choiceHuman)
		return err
	})
}

// describe summarises a message the desk sent.
func describe(m whatsapptest.SentMessage) string {
	switch c := m.Message.Content.(type) {
	case whatsapp.Text:
		return fmt.Sprintf("%q", c.Body)
	case whatsapp.Interactive:
		var opts []string
		switch a := c.Action.(type) {
		case whatsapp.ReplyButtons:
			for _, b := range a {
				opts = append(opts, "["+b.Title+"]")
			}
		case whatsapp.List:
			for _, s := range a.Sections {
				for _, r := range s.Rows {
					opts = append(opts, "("+r.Title+")")
				}
			}
		case whatsapp.CTAURL:
			opts = append(opts, "<"+a.DisplayText+": "+a.URL+">")
		}
		return fmt.Sprintf("%q %s", c.Body, strings.Join(opts, " "))
	case whatsapp.Template:
		var vals []string
		for _, comp := range c.Components {
			if comp.Type == "body" {
				for _, p := range comp.Parameters {
					vals = append(vals, p.Text)
				}
			}
		}
		return fmt.Sprintf("template %s %q", c.Name, vals)
	}
	return m.Message.Content.MessageType()
}
