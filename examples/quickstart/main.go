// Command quickstart sends a WhatsApp message.
//
// With WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TO set it sends
// one real text message through the Cloud API. Without them it runs against
// an in-process stand-in for the API, so it works with no account at all.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/wacloud/whatsapp"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	token, pnid, to := os.Getenv("WHATSAPP_TOKEN"), os.Getenv("WHATSAPP_PHONE_NUMBER_ID"), os.Getenv("WHATSAPP_TO")
	var opts []whatsapp.Option
	if token == "" || pnid == "" || to == "" {
		fmt.Fprintln(out, "No WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TO: using a local stand-in for the Cloud API.")
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.QUICKSTART1"}]}`)
		}))
		defer api.Close()
		token, pnid, to = "local-token", "106540352242922", "+15551234567"
		opts = append(opts, whatsapp.WithBaseURL(api.URL))
	}
	client := whatsapp.NewClient(token, opts...)

	res, err := client.Send(ctx, pnid, whatsapp.Message{
		To:      to,
		Content: whatsapp.Text{Body: "Hello from the wacloud WhatsApp Go SDK quickstart."},
	})
	if errors.Is(err, whatsapp.ErrWindowClosed) {
		return fmt.Errorf("the recipient has not written to this number in the last 24 hours; send a template instead: %w", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Sent message %s to %s\n", res.MessageID, res.WaID)
	return nil
}
