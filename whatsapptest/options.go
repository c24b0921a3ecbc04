package whatsapptest

import (
	"net"
	"net/http"
	"time"

	"github.com/wacloud/whatsapp"
)

// Option configures a Server. Options only record values; their order
// does not matter, except that WithPhoneNumber adds numbers in order.
type Option func(*config)

type config struct {
	token        string
	appSecret    string
	wabaID       string
	numbers      []whatsapp.PhoneNumber
	clock        *Clock
	webhook      webhookTarget
	delivery     DeliveryPolicy
	errorMode    ErrorMode
	statuses     []string
	statusStep   time.Duration
	undelivered  []string
	throughput   whatsapp.ThroughputLevel
	pairLimit    bool
	approveAfter time.Duration
	hookClient   *http.Client
	control      bool
	listener     net.Listener
}

func defaultConfig() config {
	return config{
		token:     DefaultToken,
		appSecret: DefaultAppSecret,
		wabaID:    DefaultWABAID,
		statuses:  []string{"sent", "delivered", "read"},
		delivery:  DeliveryPolicy{MaxAttempts: 6, Backoff: 10 * time.Second, MaxBackoff: time.Hour},
	}
}

// WithToken sets the access token the server accepts (default
// DefaultToken). Any other token is refused with code 190.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithAppSecret sets the app secret that signs webhooks (default
// DefaultAppSecret).
func WithAppSecret(secret string) Option { return func(c *config) { c.appSecret = secret } }

// WithWABA sets the id of the WhatsApp Business Account (default
// DefaultWABAID).
func WithWABA(id string) Option { return func(c *config) { c.wabaID = id } }

// WithPhoneNumber adds a business phone number, described with the
// library's own model: ID is required; DisplayPhoneNumber (digits, as in
// webhook metadata) defaults to the ID, and the other fields to a healthy
// registered number (CONNECTED, GREEN, CLOUD_API, STANDARD throughput,
// TIER_250). The first number added is the default
// (Server.PhoneNumberID); without this option the server serves
// DefaultPhoneNumberID.
func WithPhoneNumber(n whatsapp.PhoneNumber) Option {
	return func(c *config) { c.numbers = append(c.numbers, n) }
}

// WithClock sets the server's clock. The default is a fake clock set to
// the time NewServer was called, standing still until the test moves it.
// Use NewWallClock for a server that follows real time.
func WithClock(clk *Clock) Option { return func(c *config) { c.clock = clk } }

// WithWebhookURL makes the server deliver webhooks as signed POSTs to url.
func WithWebhookURL(url string) Option {
	return func(c *config) { c.webhook = webhookTarget{url: url} }
}

// WithWebhookHandler makes the server deliver webhooks straight into h,
// with no network in between: the request h sees is what a POST from Meta
// would carry (body, X-Hub-Signature-256, Content-Type).
func WithWebhookHandler(h http.Handler) Option {
	return func(c *config) { c.webhook = webhookTarget{handler: h} }
}

// WithWebhookHTTPClient sets the HTTP client that delivers webhooks to a
// URL and verifies callback URLs (to trust a test server's TLS
// certificate, say). Default: a client with a 30-second timeout that does
// not follow redirects.
func WithWebhookHTTPClient(c *http.Client) Option { return func(cfg *config) { cfg.hookClient = c } }

// WithListener makes Start serve on l instead of a fresh loopback port
// (cmd/whatsapp-fake listens on a fixed address this way). Close closes it.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }

// WithDelivery sets how webhooks are delivered: batching, duplicates,
// reordering and retries. See DeliveryPolicy for the defaults.
func WithDelivery(p DeliveryPolicy) Option { return func(c *config) { c.delivery = p } }

// ErrorMode says how the server reports a send it accepts but that cannot
// be delivered: a free-form message outside the 24-hour window (131047) or
// a recipient who is not on WhatsApp (131026).
type ErrorMode int

const (
	// AsyncErrors is Meta's behaviour: the send call answers 200 with a
	// message id, and a status webhook "failed" carrying the error code
	// follows. It is the default.
	AsyncErrors ErrorMode = iota
	// SyncErrors refuses the send call itself with the error code, which
	// is easier to assert on but not what the Cloud API does.
	SyncErrors
)

// WithErrorMode sets how undeliverable sends are reported (default
// AsyncErrors, as Meta does).
func WithErrorMode(m ErrorMode) Option { return func(c *config) { c.errorMode = m } }

// WithStatuses sets the statuses that follow each accepted send, in order
// (default "sent", "delivered", "read"). An empty list sends none.
// Reactions get only "sent", as on the Cloud API.
func WithStatuses(statuses ...string) Option {
	return func(c *config) { c.statuses = append([]string(nil), statuses...) }
}

// WithStatusInterval spaces the statuses of a send by d on the server's
// clock: "sent" at once, "delivered" d later, "read" 2d later. With the
// default fake clock a later status goes out only when the test advances
// the clock. Default 0: all at once.
func WithStatusInterval(d time.Duration) Option { return func(c *config) { c.statusStep = d } }

// WithUndeliverable marks phone numbers as not reachable on WhatsApp: a
// send to one of them fails with 131026 (in a status webhook, or from the
// call with SyncErrors). Server.SetUndeliverable does the same later.
func WithUndeliverable(numbers ...string) Option {
	return func(c *config) { c.undelivered = append(c.undelivered, numbers...) }
}

// WithThroughput limits each phone number to the messages per second of
// level (80 for whatsapp.ThroughputStandard, 1,000 for ThroughputHigh) on
// the server's clock, with the library's own limiter (whatsapp.Throughput);
// beyond it sends fail with 130429. Default: no limit, because a fake
// clock standing still would otherwise refuse the 81st message of a test.
func WithThroughput(level whatsapp.ThroughputLevel) Option {
	return func(c *config) { c.throughput = level }
}

// WithPairRateLimit enables the documented pair rate limit (about one
// message every 6 seconds from a business number to one user, bursts of up
// to 45 paid back afterwards) with the library's own limiter
// (whatsapp.PairLimiter); beyond it sends to that user fail with 131056
// while other users are unaffected. Default off, for the same reason as
// WithThroughput.
func WithPairRateLimit() Option { return func(c *config) { c.pairLimit = true } }

// WithTemplateReview makes templates created through the API pending for d
// on the server's clock, then approved (default 0: they stay PENDING until
// Server.ApproveTemplate or RejectTemplate is called).
func WithTemplateReview(d time.Duration) Option { return func(c *config) { c.approveAfter = d } }
