package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/wacloud/whatsapp"
)

func ExampleParseNotification() {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
	 "value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
	  "contacts":[{"profile":{"name":"Sheena"},"wa_id":"15555551234"}],
	  "messages":[{"from":"15555551234","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"Hi!"}}],
	  "statuses":[{"id":"wamid.B2","status":"failed","timestamp":"1749416390","recipient_id":"15555550000",
	    "errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message"}]}]}}]}]}`)

	n, err := whatsapp.ParseNotification(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range n.Messages() {
		fmt.Printf("%s from %s (%s) to %s at %s: %s\n", m.Type, m.From, m.ProfileName, m.PhoneNumberID,
			m.Timestamp.Format("2006-01-02 15:04:05"), m.Text.Body)
	}
	for _, s := range n.Statuses() {
		fmt.Println(s.ID, s.Status, "window closed:", errors.Is(s.Err(), whatsapp.ErrWindowClosed))
	}
	// Output:
	// text from 15555551234 (Sheena) to 106540352242922 at 2025-06-08 20:59:43: Hi!
	// wamid.B2 failed window closed: true
}

func ExampleNewWebhookHandler() {
	const appSecret = "app-secret"
	handler := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret:   appSecret,
		VerifyToken: "verify-me",
		OnMessage: func(ctx context.Context, m *whatsapp.InboundMessage) error {
			fmt.Printf("message %s: %q\n", m.ID, m.Text.Body)
			return nil
		},
		OnStatus: func(ctx context.Context, s *whatsapp.Status) error {
			fmt.Printf("status %s: %s\n", s.ID, s.Status)
			return nil
		},
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()

	// Meta verifies the callback URL with a GET.
	resp, _ := http.Get(srv.URL + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	resp.Body.Close()
	fmt.Println("verification:", resp.StatusCode)

	// Then it POSTs signed notifications, and redelivers them at will.
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
	 "metadata":{"phone_number_id":"106540352242922"},
	 "messages":[{"from":"15555551234","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"Hi!"}}],
	 "statuses":[{"id":"wamid.B2","status":"read","timestamp":"1749416390","recipient_id":"15555550000"}]}}]}]}`
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.SignWebhook(appSecret, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println("delivery:", resp.StatusCode)
	}
	// Output:
	// verification: 200
	// message wamid.A1: "Hi!"
	// status wamid.B2: read
	// delivery: 200
	// delivery: 200
}
