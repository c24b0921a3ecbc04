package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
)

// DefaultClaimTTL is how long a claim lasts when DeduperOptions.ClaimTTL
// is zero.
const DefaultClaimTTL = 5 * time.Minute

// DeduperOptions configures a Deduper. The zero value is ready to use.
type DeduperOptions struct {
	// Prefix starts every key; "" means DefaultPrefix. Keys are
	// Prefix + "dedupe:" + the handler's key.
	Prefix string

	// ClaimTTL is how long a claim holds when its holder neither finishes
	// nor gives it back (it crashed): until then a redelivery of the item
	// is taken for a duplicate. It must exceed the longest time a callback
	// (and, with a webhook Queue, the wait in the queue) may take, or a
	// redelivery that arrives meanwhile is processed a second time. Zero
	// means DefaultClaimTTL.
	ClaimTTL time.Duration

	// DoneTTL is how long a processed item is remembered. Meta retries a
	// delivery for up to 7 days; each remembered item costs about 100
	// bytes. Zero means whatsapp.DefaultDedupeTTL (24 hours).
	DoneTTL time.Duration

	// FailOpen processes items when Redis is unavailable instead of
	// answering the webhook with an error: Claim reports true (the item
	// is processed, and processed again if Meta redelivers it), Done and
	// Release report nil. By default the errors are returned: a Claim
	// error makes the webhook handler answer 500, so that Meta delivers
	// the batch again once Redis is back.
	FailOpen bool

	// Logger receives the errors FailOpen swallows. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Deduper is a whatsapp.Deduper on Redis, shared by the replicas that
// receive the same webhooks: of concurrent deliveries of one item, one
// replica's callback runs. A claim is a key set with SET NX and a time to
// live; Done overwrites it with a marker that lives DoneTTL; Release
// deletes it only if it is still this Deduper's claim (a script compares
// and deletes), never a claim another replica took after this one
// expired. Each method is one round trip.
//
// Claim is safe against go-redis's retries: each claim carries a token of
// its own, so a retried Claim whose first attempt was carried out still
// reports true. A Deduper is safe for concurrent use.
type Deduper struct {
	rdb      redis.UniversalClient
	k        keys
	claimTTL time.Duration
	doneTTL  time.Duration
	failOpen bool
	logger   *slog.Logger

	id string        // this Deduper's part of every token
	n  atomic.Uint64 // the other part

	mu      sync.Mutex
	tokens  map[string]claim // key -> this Deduper's live claim
	sweepAt int
}

type claim struct {
	token string
	at    time.Time
}

var _ whatsapp.Deduper = (*Deduper)(nil)

// NewDeduper returns a Deduper keeping its keys in rdb. opts may be nil.
func NewDeduper(rdb redis.UniversalClient, opts *DeduperOptions) *Deduper {
	var o DeduperOptions
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.ClaimTTL <= 0 {
		o.ClaimTTL = DefaultClaimTTL
	}
	if o.DoneTTL <= 0 {
		o.DoneTTL = whatsapp.DefaultDedupeTTL
	}
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return &Deduper{
		rdb: rdb, k: newKeys(o.Prefix, false), claimTTL: o.ClaimTTL, doneTTL: o.DoneTTL,
		failOpen: o.FailOpen, logger: o.Logger,
		id: hex.EncodeToString(b[:]), tokens: make(map[string]claim),
	}
}

// claimScript sets the claim unless the key exists; a key holding this
// very token is a retried attempt of this claim.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`)

// releaseClaimScript deletes the claim if it still holds the token.
var releaseClaimScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// doneValue marks a processed key; tokens always contain a colon.
const doneValue = "done"

// Claim implements whatsapp.Deduper: it reports whether key was free and
// is now claimed by this Deduper for ClaimTTL. It returns an *Error when
// Redis fails (unless FailOpen).
func (d *Deduper) Claim(ctx context.Context, key string) (bool, error) {
	token := d.id + ":" + strconv.FormatUint(d.n.Add(1), 36)
	ok, err := claimScript.Run(ctx, d.rdb, []string{d.k.dedupe(key)}, token, d.claimTTL.Milliseconds()).Bool()
	if err != nil {
		if d.failOpen && unavailable(err) {
			d.log().ErrorContext(ctx, "redisstore: dedupe claim failed open: item processed", "err", err, "key", key)
			return true, nil
		}
		return false, wrap("claim", err)
	}
	if ok {
		d.remember(key, token)
	}
	return ok, nil
}

// remember keeps the token of a live claim, forgetting claims older than
// the claim time to live once the map has doubled.
func (d *Deduper) remember(key, token string) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tokens[key] = claim{token, now}
	if len(d.tokens) >= d.sweepAt {
		for k, c := range d.tokens {
			if now.Sub(c.at) > d.claimTTL {
				delete(d.tokens, k)
			}
		}
		d.sweepAt = max(1024, 2*len(d.tokens))
	}
}

func (d *Deduper) forget(key string) (token string, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.tokens[key]
	delete(d.tokens, key)
	return c.token, ok
}

// Done implements whatsapp.Deduper: key is remembered as processed for
// DoneTTL, whoever holds it. It returns an *Error when Redis fails (unless
// FailOpen).
func (d *Deduper) Done(ctx context.Context, key string) error {
	d.forget(key)
	err := d.rdb.Set(ctx, d.k.dedupe(key), doneValue, d.doneTTL).Err()
	if err != nil && d.failOpen && unavailable(err) {
		d.log().ErrorContext(ctx, "redisstore: dedupe done failed open: a redelivery will be processed again", "err", err, "key", key)
		return nil
	}
	return wrap("done", err)
}

// Release implements whatsapp.Deduper: it drops this Deduper's claim of
// key, if it still holds it, so that a redelivery is processed. It returns
// an *Error when Redis fails (unless FailOpen); the claim then lapses after
// ClaimTTL.
func (d *Deduper) Release(ctx context.Context, key string) error {
	token, ok := d.forget(key)
	if !ok {
		return nil // not claimed here, or already done or released
	}
	err := releaseClaimScript.Run(ctx, d.rdb, []string{d.k.dedupe(key)}, token).Err()
	if err != nil && d.failOpen && unavailable(err) {
		d.log().ErrorContext(ctx, "redisstore: dedupe release failed open: the claim lapses after ClaimTTL", "err", err, "key", key)
		return nil
	}
	return wrap("release claim", err)
}

func (d *Deduper) log() *slog.Logger {
	if d.logger != nil {
		return d.logger
	}
	return slog.Default()
}
