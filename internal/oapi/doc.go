// Package oapi is test support: it checks JSON bodies against Meta's own
// OpenAPI description of the WhatsApp Business Cloud API, an independent
// description that this project did not write.
//
// The description (business-messaging-api_v23.0.yaml, OpenAPI 3.1.0) is read
// at test time from ../shared/openapi next to the repository root, or from
// $WHATSAPP_SHARED_DIR/openapi when that variable is set. It is never copied
// into this repository. When the file is absent, [Load] skips the calling
// test, or fails it when the CI environment variable is set.
//
// # Use
//
//	spec := oapi.Load(t)
//	spec.CheckRequest(t, "POST", "/v23.0/1234/messages", body)
//	spec.CheckWebhook(t, payload)
//	spec.CheckResponse(t, "GET", "/v23.0/1234/message_qrdls/ABC", 200, resp)
//
// Bodies may be JSON text ([]byte, string, [json.RawMessage]) or any value
// that encoding/json can marshal.
//
// # Patches
//
// The file is wrong in a few places that would make every check fail. The
// loader repairs them once per process, each in one named function (numbered
// as in the file's NOTES.md):
//
//  1. integer map keys (the response key 200 of POST /whatsapp/webhooks) become
//     strings, and the non-standard components.parameterGroups block is dropped;
//  2. additionalProperties is removed inside allOf branches, where it rejects
//     the properties of the sibling branch (messaging_product, to, ...);
//  4. the webhook (inbound) schemas are pointed at their inbound twins
//     (BaseMessageProperties_1, TextMessage_2, ...) instead of the outbound
//     schemas of the same name.
//
// # Known defects
//
// The remaining errors of the file are listed, with the reason, in
// [KnownDefects]. Violations that match one are not reported; each match is
// counted, see [Spec.DefectsSeen].
package oapi
