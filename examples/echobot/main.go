// Command echobot is a webhook server that answers every customer message
// inside the 24-hour customer service window: it marks the message read,
// shows the typing indicator and echoes the message back, quoting it.
//
// Set WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and
// WHATSAPP_VERIFY_TOKEN, and ADDR (default :8080) to serve real webhooks at
// /webhook. Without credentials it runs a short demo against whatsapptest,
// the library's fake Cloud API: a simulated customer writes, the bot
// answers, and the conversation is printed.
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
	"syscall"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// Bot echoes customer messages.
type Bot struct {
	Client        *whatsapp.Client
	PhoneNumberID string
	Logger        *slog.Logger
}

// Handler returns the webhook handler: signature checked with appSecret,
// verification GETs answered with verifyToken, one echo per message.
func (b *Bot) Handler(appSecret, verifyToken string) http.Handler {
	return whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:   appSecret,
		VerifyToken: verifyToken,
		OnMessage:   b.OnMessage,
		Logger:      b.Logger,
	})
}

// OnMessage answers one inbound message. The customer just wrote, so the
// window is open and a free-form reply is allowed. An error makes the
// handler answer 500, and Meta delivers the message again later.
func (b *Bot) OnMessage(ctx context.Context, m *whatsapp.InboundMessage) error {
	if m.PhoneNumberID != b.PhoneNumberID {
		return nil // a message to another of the business's numbers
	}
	// Read receipt and typing indicator: best effort.
	_ = b.Client.SendTypingIndicator(ctx, b.PhoneNumberID, m.ID)
	_, err := b.Client.Send(ctx, b.PhoneNumberID, whatsapp.Message{
		To:      m.From,
		ReplyTo: m.ID,
		Content: whatsapp.Text{Body: echo(m)},
	})
	if errors.Is(err, whatsapp.ErrWindowClosed) {
		// Cannot happen for a fresh message; a redelivery days later can.
		return nil
	}
	return err
}

// echo describes what the customer sent.
func echo(m *whatsapp.InboundMessage) string {
	switch {
	case m.Text != nil:
		return "You said: " + m.Text.Body
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		return "You chose: " + m.Interactive.ButtonReply.Title
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		return "You chose: " + m.Interactive.ListReply.Title
	case m.Button != nil:
		return "You tapped: " + m.Button.Text
	case m.Location != nil:
		return fmt.Sprintf("You are at %.4f, %.4f", m.Location.Latitude, m.Location.Longitude)
	case m.Reaction != nil:
		return "You reacted " + m.Reaction.Emoji
	case m.Image != nil, m.Video != nil, m.Audio != nil, m.Document != nil, m.Sticker != nil:
		return "Thanks for the " + m.Type + "!"
	}
	return "I cannot read " + m.Type + " messages yet."
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	token, pnid := os.Getenv("WHATSAPP_TOKEN"), os.Getenv("WHATSAPP_PHONE_NUMBER_ID")
	if token != "" && pnid != "" {
		err = serve(ctx, token, pnid)
	} else {
		err = demo(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "echobot:", err)
		os.Exit(1)
	}
}

// serve runs the bot on real webhooks until ctx is done.
func serve(ctx context.Context, token, pnid string) error {
	secret := os.Getenv("WHATSAPP_APP_SECRET")
	if secret == "" {
		return errors.New("WHATSAPP_APP_SECRET is required to verify webhook signatures")
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	bot := &Bot{Client: whatsapp.NewClient(token, whatsapp.WithLogger(logger)), PhoneNumberID: pnid, Logger: logger}
	mux := http.NewServeMux()
	mux.Handle("/webhook", bot.Handler(secret, os.Getenv("WHATSAPP_VERIFY_TOKEN")))
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	logger.Info("echobot: listening", "addr", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
}

// demo runs the bot against the fake server and prints the conversation.
func demo(ctx context.Context, out io.Writer) error {
	srv := whatsapptest.NewServer()
	defer srv.Close()
	bot := &Bot{Client: srv.Client(), PhoneNumberID: srv.PhoneNumberID}
	srv.SetWebhookHandler(bot.Handler(srv.AppSecret, ""))

	const customer = "+15551234567"
	fmt.Fprintln(out, "echobot demo against whatsapptest (set WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID to serve real webhooks)")
	say := func(line string) {
		fmt.Fprintf(out, "customer: %s\n", line)
	}
	say("Hello bot")
	srv.UserSends(customer, "Hello bot")
	say("(shares a location)")
	srv.UserSendsLocation(customer, whatsapp.Location{Latitude: 52.3676, Longitude: 4.9041})
	replies, err := srv.WaitMessages(ctx, customer, 2)
	if err != nil {
		return err
	}
	for _, r := range replies {
		fmt.Fprintf(out, "bot:      %s\n", r.Text())
	}
	return srv.Flush(ctx)
}
