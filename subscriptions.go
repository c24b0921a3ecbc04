package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// SubscribeOptions are the optional parameters of SubscribeApp.
type SubscribeOptions struct {
	// OverrideCallbackURI sends this WABA's webhooks to another HTTPS URL
	// than the app's callback. The endpoint must answer the verification
	// request with VerifyToken, which is then required.
	OverrideCallbackURI string `json:"override_callback_uri,omitempty"`
	// VerifyToken is the token sent in the verification request of
	// OverrideCallbackURI.
	VerifyToken string `json:"verify_token,omitempty"`
}

// SubscribedApp is an app subscribed to a WABA's webhooks.
type SubscribedApp struct {
	// ID, Name and Link identify the app.
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Link string `json:"link,omitempty"`
	// OverrideCallbackURI is the WABA's callback override, when set.
	OverrideCallbackURI string `json:"override_callback_uri,omitempty"`

	// Raw is the item as received.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes an item of the subscribed_apps list, whose app
// fields sit under whatsapp_business_api_data (Meta's OpenAPI file puts
// them at the top level: both are accepted).
func (a *SubscribedApp) UnmarshalJSON(b []byte) error {
	type plain SubscribedApp
	var w struct {
		plain
		Data *plain `json:"whatsapp_business_api_data"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = SubscribedApp(w.plain)
	if w.Data != nil {
		a.ID, a.Name, a.Link = w.Data.ID, w.Data.Name, w.Data.Link
		if a.OverrideCallbackURI == "" {
			a.OverrideCallbackURI = w.Data.OverrideCallbackURI
		}
	}
	a.Raw = bytes.Clone(b)
	return nil
}

// SubscribeApp subscribes the calling app to the webhooks of the WhatsApp
// Business Account wabaID, optionally sending them to an override callback
// URL. Subscribing again changes the override. It returns a
// *ValidationError for bad input, before any request, and an *APIError
// when the API refuses the call (for example when the override URL fails
// its verification).
//
// Cloud API: POST /{waba-id}/subscribed_apps.
func (c *Client) SubscribeApp(ctx context.Context, wabaID string, opts *SubscribeOptions) error {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return err
	}
	var body any
	if opts != nil && (opts.OverrideCallbackURI != "" || opts.VerifyToken != "") {
		if err := checkURL("override_callback_uri", opts.OverrideCallbackURI, 2048, "https"); err != nil {
			return err
		}
		if opts.VerifyToken == "" {
			return invalid("verify_token", "is required with override_callback_uri", nil)
		}
		if err := checkID("verify_token", opts.VerifyToken, 512); err != nil {
			return invalid("verify_token", "must be at most 512 characters, without spaces or control characters", nil)
		}
		body = opts
	}
	return c.postSuccess(ctx, seg+"/subscribed_apps", body)
}

// ListSubscribedApps returns the apps subscribed to the webhooks of the
// WhatsApp Business Account wabaID. It returns a *ValidationError for a
// bad id and an *APIError when the API refuses the call.
//
// Cloud API: GET /{waba-id}/subscribed_apps.
func (c *Client) ListSubscribedApps(ctx context.Context, wabaID string) ([]SubscribedApp, error) {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []SubscribedApp `json:"data"`
	}
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/subscribed_apps"}, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// UnsubscribeApp unsubscribes the calling app from the webhooks of the
// WhatsApp Business Account wabaID. It returns a *ValidationError for a
// bad id and an *APIError when the API refuses the call.
//
// Cloud API: DELETE /{waba-id}/subscribed_apps.
func (c *Client) UnsubscribeApp(ctx context.Context, wabaID string) error {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return err
	}
	return c.doSuccess(ctx, &request{method: http.MethodDelete, path: seg + "/subscribed_apps"})
}
