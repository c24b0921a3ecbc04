package whatsapptest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// A test starts the fake server, lets a simulated customer write, answers
// with the real client, and asserts on what the server received. The
// server's clock is fake: advancing it 24 hours closes the customer's
// window, and the next free-form message is refused with 131047.
func Example() {
	srv := whatsapptest.NewServer(whatsapptest.WithErrorMode(whatsapptest.SyncErrors))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	srv.UserSends("+15551234567", "Hi, is my order on its way?")

	_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{
		To:      "+15551234567",
		Content: whatsapp.Text{Body: "Yes, it arrives tomorrow."},
	})
	fmt.Println("reply inside the window:", err)

	for _, m := range srv.MessagesTo("+15551234567") {
		fmt.Printf("server got %q\n", m.Text())
	}

	srv.Clock.Advance(24 * time.Hour)
	_, err = client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{
		To:      "+15551234567",
		Content: whatsapp.Text{Body: "Anything else?"},
	})
	fmt.Println("a day later, window closed:", errors.Is(err, whatsapp.ErrWindowClosed))
	// Output:
	// reply inside the window: <nil>
	// server got "Yes, it arrives tomorrow."
	// a day later, window closed: true
}

// Webhooks go straight into the application's handler, signed like
// Meta's: here the library's own handler, which verifies the signature and
// calls back for each message and status. Flush waits until every webhook
// due on the fake clock was delivered.
func Example_webhooks() {
	srv := whatsapptest.NewServer(whatsapptest.WithStatuses("sent", "delivered"))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret: srv.AppSecret,
		OnMessage: func(ctx context.Context, m *whatsapp.InboundMessage) error {
			fmt.Printf("message from %s: %s\n", m.From, m.Text.Body)
			// Answer inside the window the message opened.
			_, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{
				To: m.From, ReplyTo: m.ID, Content: whatsapp.Text{Body: "Hello! An agent will be with you shortly."},
			})
			return err
		},
		OnStatus: func(_ context.Context, s *whatsapp.Status) error {
			fmt.Printf("status %s (%s)\n", s.Status, s.Pricing.Type)
			return nil
		},
	}))

	srv.UserSends("+15551234567", "Hi there")
	if err := srv.Flush(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println("replies:", len(srv.MessagesTo("+15551234567")))
	// Output:
	// message from 15551234567: Hi there
	// status sent (free_customer_service)
	// status delivered (free_customer_service)
	// replies: 1
}

// A template whose review takes an hour: pending until the test moves the
// clock, then approved, with the status webhook Meta sends.
func ExampleWithTemplateReview() {
	srv := whatsapptest.NewServer(whatsapptest.WithTemplateReview(time.Hour))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	created, err := client.CreateTemplate(ctx, srv.WABAID, whatsapp.MessageTemplate{
		Name: "order_ready", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.MessageTemplateComponent{{Type: whatsapp.BodyComponent, Text: "Your order is ready for pick-up."}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", created.Status)

	srv.Clock.Advance(time.Hour)
	t, err := client.GetTemplate(ctx, created.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("an hour later:", t.Status)
	// Output:
	// created: PENDING
	// an hour later: APPROVED
}
