package whatsapp_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// The Guard on a Client: Send refuses a free-form message outside the
// window before any request, and the Guard learns of the customer's
// message from the webhook handler, so the reply goes through.
func ExampleWithGuard() {
	ctx := context.Background()
	guard := &whatsapp.Guard{}
	handler := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:      whatsapptest.DefaultAppSecret,
		OnNotification: guard.Observe,
	})
	srv := whatsapptest.NewServer(whatsapptest.WithWebhookHandler(handler))
	defer srv.Close()
	guard.Clock = srv.Clock.Now
	client := srv.Client(whatsapp.WithGuard(guard))

	hello := whatsapp.Message{To: "+15551234567", Content: whatsapp.Text{Body: "Hello!"}}
	_, err := client.Send(ctx, srv.PhoneNumberID, hello)
	fmt.Println("before the customer writes:", errors.Is(err, whatsapp.ErrWindowClosed), len(srv.Requests()), "requests")

	srv.UserSends("+15551234567", "Hi, is my order on its way?")
	srv.Flush(ctx) // the webhook has reached the handler, and so the Guard
	_, err = client.Send(ctx, srv.PhoneNumberID, hello)
	fmt.Println("after:", err)
	// Output:
	// before the customer writes: true 0 requests
	// after: <nil>
}
