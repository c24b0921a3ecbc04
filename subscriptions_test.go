package whatsapp

import (
	"context"
	"strings"
	"testing"
)

func TestSubscriptionEndpoints(t *testing.T) {
	runMgmtTests(t, []mgmtTestCase{
		{
			name: "subscribe", method: "POST", path: "/v23.0/102290129340398/subscribed_apps", resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SubscribeApp(ctx, "102290129340398", nil)
			},
		},
		{
			name: "subscribe with an override", method: "POST", path: "/v23.0/102290129340398/subscribed_apps",
			body: `{"override_callback_uri":"https://hooks.example.com/whatsapp","verify_token":"s3cret-token"}`,
			resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SubscribeApp(ctx, "102290129340398", &SubscribeOptions{
					OverrideCallbackURI: "https://hooks.example.com/whatsapp", VerifyToken: "s3cret-token"})
			},
		},
		{
			name: "list", method: "GET", path: "/v23.0/102290129340398/subscribed_apps",
			resp: `{"data":[{"whatsapp_business_api_data":{"id":"67084","link":"https://www.facebook.com/games/?app_id=67084","name":"Jaspers Market"}},
				{"whatsapp_business_api_data":{"id":"52565","name":"Fresh Finds"},"override_callback_uri":"https://hooks.example.com/x"},
				{"id":"9876","name":"OpenAPI shape"}]}`,
			call: func(ctx context.Context, c *Client) (any, error) { return c.ListSubscribedApps(ctx, "102290129340398") },
			want: []SubscribedApp{
				{ID: "67084", Name: "Jaspers Market", Link: "https://www.facebook.com/games/?app_id=67084"},
				{ID: "52565", Name: "Fresh Finds", OverrideCallbackURI: "https://hooks.example.com/x"},
				{ID: "9876", Name: "OpenAPI shape"},
			},
		},
		{
			name: "unsubscribe", method: "DELETE", path: "/v23.0/102290129340398/subscribed_apps", resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UnsubscribeApp(ctx, "102290129340398")
			},
		},
	})
}

func TestSubscriptionLocalErrors(t *testing.T) {
	tests := []struct {
		name  string
		field string
		opts  *SubscribeOptions
	}{
		{"override over http", "override_callback_uri", &SubscribeOptions{OverrideCallbackURI: "http://hooks.example.com/x", VerifyToken: "t"}},
		{"override not a URL", "override_callback_uri", &SubscribeOptions{OverrideCallbackURI: "hooks.example.com", VerifyToken: "t"}},
		{"token without override", "override_callback_uri", &SubscribeOptions{VerifyToken: "t"}},
		{"override without token", "verify_token", &SubscribeOptions{OverrideCallbackURI: "https://hooks.example.com/x"}},
		{"token with newline", "verify_token", &SubscribeOptions{OverrideCallbackURI: "https://hooks.example.com/x", VerifyToken: "a\nb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mgmtTestNoRequest(t, tc.field, func(ctx context.Context, c *Client) error {
				return c.SubscribeApp(ctx, "102290129340398", tc.opts)
			})
		})
	}
	mgmtTestNoRequest(t, "waba_id", func(ctx context.Context, c *Client) error { return c.UnsubscribeApp(ctx, "") })
	mgmtTestNoRequest(t, "waba_id", func(ctx context.Context, c *Client) error {
		_, err := c.ListSubscribedApps(ctx, "a?b")
		return err
	})
	// The verify token is a secret: never in the error.
	c, _ := testSetup(t)
	err := c.SubscribeApp(context.Background(), "1", &SubscribeOptions{OverrideCallbackURI: "https://x.example", VerifyToken: "bad token"})
	if err == nil || strings.Contains(err.Error(), "bad token") {
		t.Errorf("err = %v", err)
	}
}
