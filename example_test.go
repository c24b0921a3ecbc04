package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/wacloud/whatsapp"
)

// exampleAPI stands in for the Cloud API in these examples: it accepts
// messages and refuses free-form text to one recipient with 131047, as the
// API does outside the 24-hour window.
func exampleAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(b), `"to":"+15550009999","type":"text"`) {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"details":"More than 24 hours have passed since the customer last replied."},"fbtrace_id":"Aexample"}}`)
			return
		}
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.EXAMPLE1"}]}`)
	}))
}

func ExampleNewClient() {
	api := exampleAPI()
	defer api.Close()

	// In production: whatsapp.NewClient(os.Getenv("WHATSAPP_TOKEN")).
	client := whatsapp.NewClient("example-token",
		whatsapp.WithBaseURL(api.URL),
		whatsapp.WithAPIVersion("v23.0"),
		whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 3}),
	)
	fmt.Println(client.APIVersion())
	// Output: v23.0
}

func ExampleClient_Send() {
	api := exampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))
	ctx := context.Background()

	res, err := client.Send(ctx, "106540352242922", whatsapp.Message{
		To:      "+15551234567",
		Content: whatsapp.Text{Body: "Your order #4512 has shipped."},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("sent", res.MessageID, "to", res.WaID)

	// Outside the 24-hour window the API refuses free-form messages.
	_, err = client.Send(ctx, "106540352242922", whatsapp.Message{
		To:      "+15550009999",
		Content: whatsapp.Text{Body: "Are you still there?"},
	})
	if errors.Is(err, whatsapp.ErrWindowClosed) {
		fmt.Println("window closed: send a template instead")
	}

	// Invalid messages never leave the process.
	_, err = client.Send(ctx, "106540352242922", whatsapp.Message{
		To: "+15551234567",
		Content: whatsapp.Interactive{
			Body:   "Pick one",
			Action: whatsapp.ReplyButtons{{ID: "a", Title: "Yes"}, {ID: "b", Title: "Yes"}},
		},
	})
	fmt.Println(err)
	// Output:
	// sent wamid.EXAMPLE1 to 15551234567
	// window closed: send a template instead
	// whatsapp: invalid message: interactive.action.buttons[1].reply.title: must be unique; same as buttons[0] (got "Yes")
}

func ExampleMessage_Validate() {
	m := whatsapp.Message{To: "+15551234567", Content: whatsapp.Text{Body: strings.Repeat("a", 5000)}}
	err := m.Validate()
	var ve *whatsapp.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, "-", ve.Reason)
	}
	fmt.Println(errors.Is(err, whatsapp.ErrInvalidMessage))
	// Output:
	// text.body - must be at most 4096 characters, has 5000
	// true
}

func ExampleLookupErrorCode() {
	c, _ := whatsapp.LookupErrorCode(131056)
	fmt.Println(c.Name, "-", c.Retry)
	// Output: pair rate limit hit - after-wait
}
