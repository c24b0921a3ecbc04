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
// before any HTTP request. MarkRead and SendTypingIndicator answer inbound
// messages.
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
// # Templates
//
// MessageTemplate is a template's definition; ListTemplates (an iterator
// over pages), GetTemplate, CreateTemplate, EditTemplate and the
// DeleteTemplate calls manage them, and MessageTemplate.Validate checks the
// content rules before Meta reviews them. ParseVariables, RenderText and
// MessageTemplate.Build turn a definition and values into the parameters of
// a send, refusing a count or format mismatch (ErrTemplateParams) before
// Meta's 132000 or 132012. A TemplateRegistry, kept current by Sync and
// template webhooks and installed with WithTemplateRegistry, refuses sends of
// paused, disabled or unknown templates locally.
//
// # Media and phone numbers
//
// UploadMedia streams a file (never held in memory) after checking its type
// and size; DownloadMedia streams a received file, re-fetching an expired
// URL and checking its SHA-256, and sends the token only to Meta's hosts.
// Phone numbers (registration, verification codes, two-step PIN), the
// business profile, the block list, QR codes and webhook subscriptions have
// their calls too.
//
// # Webhooks
//
// NewWebhookHandler returns the http.Handler of a callback URL. It answers
// the verification GET, checks X-Hub-Signature-256 on the raw body in
// constant time, decodes the notification once, drops duplicates (Deduper)
// and calls a typed callback for every message, status and event of every
// entry and change of a batch. Unknown fields and kinds are kept, never
// fatal. A failed callback answers 500, so Meta delivers the item again.
// ParseNotification and VerifySignature are there for other frameworks.
//
// # Rules
//
// Window (the 24-hour customer service window), FreeEntryPoint, Tier,
// QualityRating, TemplateHealth, Throughput, PairLimit, TierBudget and
// PriceMessage model the platform's rules as pure functions of time. A
// Guard composes them with a business Policy (opt-in, quiet hours,
// marketing frequency) over a Store (MemoryStore, or Redis with the
// redisstore module when several replicas must agree). Installed with
// WithGuard, it refuses a send that would break a rule before any request;
// Guard.Observe, plugged into WebhookConfig.OnNotification, keeps it
// current from webhooks.
//
// # Testing
//
// Package whatsapptest is a fake Cloud API server that validates, answers
// and sends signed webhooks like Meta, on a clock the test controls.
//
// # Security
//
// The access token never appears in errors, logs or printed values. Path
// ids are checked and escaped before use, and request and response bodies
// are size-limited.
package whatsapp
