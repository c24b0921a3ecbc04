// Package whatsapp is a client for the WhatsApp Business Cloud API, with a
// webhook handler and in-process models of the platform's rules.
//
// # Sending
//
// Create one Client per access token and share it:
//
//	client := whatsapp.NewClient(os.Getenv("WHATSAPP_TOKEN"))
//	res, err := client.Send(ctx, phoneNumberID, whatsapp.Message{
//		To:      "+15551234567",
//		Content: whatsapp.Text{Body: "Your order has shipped."},
//	})
//
// Every content kind of the Cloud API has a type: Text, Image, Video,
// Audio, Document, Sticker, Location, Contacts, Reaction, Interactive (with
// the actions ReplyButtons, List, CTAURL, LocationRequest, Flow, Product,
// ProductList and Catalog) and Template. Send checks every documented limit
// first (Message.Validate) and returns a *ValidationError naming the
// offending field, such as "interactive.action.sections[1].rows[3].title",
// before any HTTP request.
//
// # Errors and retries
//
// A refused call returns an *APIError carrying the Graph error code,
// details and trace id. The sentinel errors match by code, so one check
// covers the synchronous error, the Guard's local refusal and the error
// inside a failed status webhook:
//
//	if errors.Is(err, whatsapp.ErrWindowClosed) { /* send a template */ }
//
// The client retries what is safe to retry (rate limits with backoff and
// jitter, honouring Retry-After; transient errors; 5xx only for idempotent
// calls) and nothing else; see RetryConfig. LookupErrorCode describes every
// documented error code.
//
// # Security
//
// The access token never appears in errors, logs or printed values. Path
// ids are checked and escaped before use, and response bodies are read up
// to a bound.
package whatsapp
