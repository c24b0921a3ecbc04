// Package whatsapptest is a fake WhatsApp Business Cloud API for tests: a
// local HTTP server that answers like Meta's, so a test can exercise a
// whole bot (sends, webhooks, the 24-hour window, rate limits, failures)
// in milliseconds, with no account and no network beyond loopback.
//
// It is shaped like net/http/httptest: NewServer starts it, URL and Client
// point a whatsapp.Client at it, Close shuts it down and leaves no
// goroutine behind.
//
// # What it checks
//
// The server decodes every send with the library's own decoder and checks
// it with the library's own validation, then applies the platform's rules:
// a free-form message outside the user's 24-hour window fails with 131047,
// a number not on WhatsApp with 131026, an unknown template with 132001.
// Errors come in the Graph API's envelope with the documented codes, so an
// error-handling test against the fake means something. By default, as on
// the Cloud API, 131047 and 131026 arrive in a failed status webhook after
// the send call succeeded; WithErrorMode(SyncErrors) reports them from the
// call instead.
//
// # Users and webhooks
//
// UserSends, UserTaps, UserSendsLocation and the other User methods
// simulate customers: each message opens (or restarts) the user's window
// and is delivered as a webhook. Every accepted send is followed by its
// status webhooks (sent, delivered, read). Webhooks are signed POSTs
// (X-Hub-Signature-256 with the app secret) to a URL, or calls straight
// into an http.Handler. DeliveryPolicy batches, duplicates, reorders and
// retries them, so a handler can be proved to cope with what Meta does.
//
// # Time
//
// The server's Clock is fake: it stands still until the test calls Advance
// or Set. Windows close, statuses spaced by WithStatusInterval go out,
// webhook retries fire and injected latency ends only when the clock says
// so. Tests never sleep: Flush waits until every webhook due now was
// delivered, WaitMessages and WaitDeliveries wait for traffic with a
// context.
//
// # Faults
//
// InjectFault and FailNext make the next requests fail with a Graph code or
// an HTTP status, wait (Latency) or drop the connection; Handle replaces an
// endpoint with a handler of the test's own.
//
// # Other languages
//
// cmd/whatsapp-fake runs the same server as a program, on the wall clock,
// with the control API of WithControlAPI: simulated users, the clock,
// templates and the recorded traffic over JSON.
package whatsapptest
