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
