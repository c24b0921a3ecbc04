package whatsapp

import (
	"encoding/json"
	"testing"

	"github.com/wacloud/whatsapp/internal/oapi"
)

// TestWebhookPayloadsMatchOpenAPI checks our testdata payloads, and what
// json.Marshal writes for them, against Meta's OpenAPI description of the
// webhook body, for the shapes the spec models (the "messages" field:
// inbound messages and statuses). Payloads the spec cannot describe are
// left out with the reason.
func TestWebhookPayloadsMatchOpenAPI(t *testing.T) {
	spec := oapi.Load(t)
	for _, name := range []string{
		"message_text.json", "message_image.json", "message_audio.json", "message_video.json",
		"message_sticker.json", "message_document.json", "message_location.json", "message_contacts.json",
		"message_reaction.json", "message_unsupported.json", "message_order.json",
		"message_interactive_button_reply.json", "message_interactive_list_reply.json",
		"message_button.json", "message_text_context.json", "message_referral.json",
		"message_system.json", "status_sent.json", "status_failed.json",
		// Left out: request_welcome, nfm_reply, edit and forwarded-only
		// context (types and shapes the spec lacks); status_lifecycle
		// ("played" and an invented status, absent from the spec's enum);
		// management fields (no schema in the spec).
	} {
		t.Run(name, func(t *testing.T) {
			raw := webhookTestPayload(t, name)
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			if name != "message_reaction.json" {
				// The reference has a removed reaction omit its emoji,
				// which the spec does not allow; our encoding writes "".
				spec.CheckWebhook(t, v)
			}
			out, err := json.Marshal(webhookTestParse(t, name))
			if err != nil {
				t.Fatal(err)
			}
			var m any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			spec.CheckWebhook(t, m)
		})
	}
}
