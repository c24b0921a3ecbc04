package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "whatsapp:"

// Key lifetimes. Rule state the Store contract says to keep until
// overwritten (opt-in and opt-out, marketing limits, tiers, throughput
// levels, template events) has no time to live; the rest expires by
// itself once it no longer counts:
//   - a pair's windows: 24 hours after the last of its windows closed (or
//     its referral's reply deadline passed);
//   - a pair's rate limit state: 24 hours after its debt is paid;
//   - a portfolio's tier budget: TierBudgetTTL after its last send, give
//     or take an hour (every user in it has left the moving 24 hours by
//     then);
//   - a user's frequency records: an hour after the last one leaves its
//     period;
//   - a number's throughput bucket: BucketTTL after its last send (a
//     bucket refills within a second).
//
// Lifetimes are Redis's (wall clock) while the rules compute with the
// callers' times: they assume the callers' clocks run at the rate of
// Redis's, as real clocks do.
const (
	TierBudgetTTL = whatsapp.TierWindow + 2*time.Hour
	BucketTTL     = time.Hour
)

// tierRenew is how much the tier budget's clock advances between two
// renewals of its keys' time to live (not renewed on every send, to save
// the calls).
const tierRenew = time.Hour

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Prefix starts every key the store writes; "" means DefaultPrefix.
	// Braces in it are escaped (as %7B and %7D), so that the store's own
	// hash tags decide the Redis Cluster slots.
	Prefix string

	// SlotPerPortfolio spreads the counters over Redis Cluster: each
	// business portfolio's counters (tier budget, and the throughput
	// buckets, pair limits and frequency records reserved under it) get
	// their own hash tag, so that portfolios land in different slots.
	//
	// By default all counters share one hash tag, "{counters}": one slot,
	// which works on a cluster and on a single server alike and makes no
	// assumption about the caller. With SlotPerPortfolio, state is
	// counted per portfolio: a phone number's throughput and pair limits
	// are shared only by the Reserve calls that name the same portfolio
	// (the Guard always does: Policy.Portfolio maps each number to one
	// portfolio), and a user's frequency cap counts the marketing of each
	// portfolio separately.
	//
	// Windows, opt-ins, levels and template events are single keys and
	// spread over the cluster either way.
	SlotPerPortfolio bool

	// FailOpen makes Reserve admit a send, and Release succeed, when Redis
	// is unavailable (the error matches ErrUnavailable) instead of
	// returning the error. The admitted Grant counts nothing (TierCounted
	// false, Seq zero), so its Release is a no-op. Load and Record still
	// return the error: state cannot be made up, and a failed Record keeps
	// the webhook that carried the facts unanswered (500) so that Meta
	// delivers it again. A Guard refuses when Load fails unless its
	// Policy.FailOpen is set: that is the switch for a Guard.
	FailOpen bool

	// Logger receives the errors FailOpen swallows. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Store is a whatsapp.Store on Redis, for services that run several
// replicas: every replica's Guard sees the same windows, opt-ins, tiers and
// template health, and the tier budget, pair limits, throughput and
// frequency caps count the sends of all of them.
//
// Each Reserve and Release is one Lua script (EVALSHA, one round trip),
// atomic on the server; Load is one pipelined round trip; Record is one
// script per fact, pipelined. It works on a single server, with Sentinel
// and on Redis Cluster (see Options.SlotPerPortfolio). Times keep their
// nanoseconds; the store accepts times between the years 1757 and 2183 and
// durations (frequency periods, pair limit intervals) up to 71 years, and
// answers a *whatsapp.ValidationError for others.
//
// A call that Redis cannot serve returns an *Error matching ErrUnavailable;
// go-redis reconnects by itself. go-redis retries a command whose
// connection broke (MaxRetries): if the first attempt was carried out, a
// Reserve is then counted twice (the safe side: later sends may be refused
// early); the other calls are idempotent.
//
// A Store is safe for concurrent use.
type Store struct {
	rdb      redis.UniversalClient
	k        keys
	failOpen bool
	logger   *slog.Logger
}

var _ whatsapp.Store = (*Store)(nil)

// New returns a Store keeping its state in rdb (a *redis.Client,
// *redis.ClusterClient, *redis.Ring with one shard, or a failover client).
// opts may be nil.
func New(rdb redis.UniversalClient, opts *Options) *Store {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, k: newKeys(o.Prefix, o.SlotPerPortfolio), failOpen: o.FailOpen, logger: o.Logger}
}

func (s *Store) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// Load implements whatsapp.Store: one pipelined round trip. It returns an
// *Error when Redis fails, and a plain error when a key under the prefix
// holds something the store did not write.
func (s *Store) Load(ctx context.Context, k whatsapp.StateKey) (whatsapp.State, error) {
	var st whatsapp.State
	pipe := s.rdb.Pipeline()
	win := pipe.HMGet(ctx, s.k.window(k.Phone, k.User), "last", "referral", "opened")
	usr := pipe.HMGet(ctx, s.k.user(k.User), "optin", "optout", "limited")
	tier := pipe.HMGet(ctx, s.k.tierLevel(k.Portfolio), "value", "at")
	tput := pipe.HMGet(ctx, s.k.throughputLevel(k.Phone), "value", "at")
	var tpl *redis.ZSliceCmd
	if k.Template != (whatsapp.TemplateRef{}) {
		log, _ := s.k.template(k.Template)
		tpl = pipe.ZRangeWithScores(ctx, log, 0, -1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return st, wrap("load", err)
	}

	var p parser
	w := win.Val()
	st.Window.LastUserMessage = p.time(w[0])
	st.EntryPoint.ReferralAt = p.time(w[1])
	st.EntryPoint.OpenedAt = p.time(w[2])
	u := usr.Val()
	st.OptIn = p.flag(u[0])
	st.MarketingOptOut = p.flag(u[1])
	st.MarketingLimitedUntil = p.time(u[2])
	t := tier.Val()
	st.Tier, st.TierAt = whatsapp.Tier(str(t[0])), p.time(t[1])
	t = tput.Val()
	st.Throughput, st.ThroughputAt = whatsapp.ThroughputLevel(str(t[0])), p.time(t[1])
	if tpl != nil {
		for _, z := range tpl.Val() {
			st.TemplateEvents = append(st.TemplateEvents, p.event(z))
		}
	}
	if p.err != nil {
		return whatsapp.State{}, fmt.Errorf("redisstore: load: %w", p.err)
	}
	return st, nil
}

// parser reads stored values, keeping the first error.
type parser struct{ err error }

func str(v any) string {
	s, _ := v.(string)
	return s
}

func (p *parser) time(v any) time.Time {
	t, err := parseTime(str(v))
	if err != nil && p.err == nil {
		p.err = err
	}
	return t
}

func (p *parser) flag(v any) whatsapp.Flag {
	f, err := parseFlag(str(v))
	if err != nil && p.err == nil {
		p.err = err
	}
	return f
}

// event reads a template log member: three digits of nanoseconds, sixteen
// hex digits of sequence, the event with its length in front, the detail.
func (p *parser) event(z redis.Z) whatsapp.TemplateHealthEvent {
	m, _ := z.Member.(string)
	bad := func() whatsapp.TemplateHealthEvent {
		if p.err == nil {
			p.err = errBadValue(m)
		}
		return whatsapp.TemplateHealthEvent{}
	}
	if len(m) < 20 {
		return bad()
	}
	ns, err := strconv.Atoi(m[:3])
	n, rest, ok := strings.Cut(m[19:], ":")
	size, err2 := strconv.Atoi(n)
	if err != nil || err2 != nil || !ok || size < 0 || size > len(rest) {
		return bad()
	}
	return whatsapp.TemplateHealthEvent{Event: rest[:size], Detail: rest[size:], At: join(int64(z.Score), int64(ns))}
}

// Record implements whatsapp.Store. Facts with a zero At or an unknown Kind
// are ignored; a fact whose At the store cannot hold makes Record return a
// *whatsapp.ValidationError before anything is recorded. The facts are
// sent in one pipelined round trip, each applied atomically by a script.
func (s *Store) Record(ctx context.Context, facts ...whatsapp.Fact) error {
	type call struct {
		keys []string
		args []any
	}
	calls := make([]call, 0, len(facts))
	for i := range facts {
		f := &facts[i]
		if f.At.IsZero() || f.Kind < whatsapp.FactUserMessage || f.Kind > whatsapp.FactTemplate {
			continue
		}
		us, ns, ok := split(f.At)
		if !ok {
			return outOfRange(fmt.Sprintf("facts[%d].At", i), f.At)
		}
		var c call
		switch f.Kind {
		case whatsapp.FactUserMessage, whatsapp.FactReferral, whatsapp.FactReply:
			c.keys = []string{s.k.window(f.Phone, f.User)}
		case whatsapp.FactOptIn, whatsapp.FactMarketingOptOut, whatsapp.FactMarketingLimited:
			c.keys = []string{s.k.user(f.User)}
		case whatsapp.FactTier:
			c.keys = []string{s.k.tierLevel(f.Portfolio)}
		case whatsapp.FactThroughput:
			c.keys = []string{s.k.throughputLevel(f.Phone)}
		case whatsapp.FactTemplate:
			log, seq := s.k.template(f.Template)
			c.keys = []string{log, seq}
		}
		on := "0"
		if f.On {
			on = "1"
		}
		c.args = []any{int(f.Kind), us, ns, on, f.Value, f.Detail}
		calls = append(calls, c)
	}
	switch len(calls) {
	case 0:
		return nil
	case 1:
		return wrap("record", recordScript.Run(ctx, s.rdb, calls[0].keys, calls[0].args...).Err())
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(calls))
	for i, c := range calls {
		cmds[i] = recordScript.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	pipe.Exec(ctx) // errors are read per command below
	for i, cmd := range cmds {
		err := cmd.Err()
		if redis.HasErrorPrefix(err, "NOSCRIPT") {
			// The server's script cache was empty: Run loads it.
			err = recordScript.Run(ctx, s.rdb, calls[i].keys, calls[i].args...).Err()
		}
		if err != nil {
			return wrap("record", err)
		}
	}
	return nil
}

func outOfRange(field string, t time.Time) error {
	return &whatsapp.ValidationError{Field: field, Reason: "is outside the times the Redis store holds (years 1757 to 2183)", Value: t}
}

// Reserve implements whatsapp.Store: one script, one round trip. It
// returns a *whatsapp.ValidationError, before any call to Redis, when u's
// time or durations are out of the store's range (see Store).
func (s *Store) Reserve(ctx context.Context, u whatsapp.Usage) (whatsapp.Grant, error) {
	g := whatsapp.Grant{Usage: u}
	us, ns, ok := split(u.At)
	if !ok {
		return g, outOfRange("usage.At", u.At)
	}
	args := make([]any, 0, 15)
	args = append(args, us, ns, u.User)

	capped := u.Frequency.Limit > 0 && u.Frequency.Period > 0
	if capped && u.Frequency.Period > maxDuration {
		return g, &whatsapp.ValidationError{Field: "usage.Frequency.Period", Reason: "is longer than the Redis store holds (71 years)", Value: u.Frequency.Period}
	}
	if capped {
		pu, pn := splitDuration(u.Frequency.Period)
		args = append(args, u.Frequency.Limit, pu, pn)
	} else {
		args = append(args, zero, zero, zero)
	}

	args = append(args, u.Tier)

	if u.Pair != nil {
		p := pairDefaults(*u.Pair)
		if p.Interval > maxDuration || p.BurstWindow > maxDuration {
			return g, &whatsapp.ValidationError{Field: "usage.Pair", Reason: "intervals are longer than the Redis store holds (71 years)", Value: p}
		}
		iu, in := splitDuration(p.Interval)
		bu, bn := splitDuration(p.BurstWindow)
		args = append(args, one, iu, in, p.Burst, bu, bn)
	} else {
		args = append(args, zero, zero, zero, zero, zero, zero)
	}

	if u.Throughput > 0 {
		args = append(args, u.Throughput, whatsapp.ThroughputBurst(u.Throughput))
	} else {
		args = append(args, zero, zero)
	}

	res, err := reserveScript.Run(ctx, s.rdb, s.k.reserveKeys(&u), args...).Slice()
	if err != nil {
		if s.failOpen && unavailable(err) {
			s.log().ErrorContext(ctx, "redisstore: reserve failed open: send admitted uncounted", "err", err, "phone", u.Phone)
			g.OK = true
			return g, nil
		}
		return g, wrap("reserve", err)
	}
	if len(res) != 9 {
		return g, fmt.Errorf("redisstore: reserve: unexpected reply %v", res)
	}
	n := func(i int) int64 { v, _ := res[i].(int64); return v }
	if n(0) != 1 {
		g.Refused = whatsapp.Quota(n(1))
		g.RetryAt = join(n(2), n(3))
		return g, nil
	}
	g.OK = true
	if n(4) == 1 {
		g.TierCounted = true
		g.TierAt = join(n(5), n(6))
		prev, err := parseTime(str(res[7]))
		if err != nil {
			return g, fmt.Errorf("redisstore: reserve: %w", err)
		}
		g.TierPrev = prev
	}
	g.Seq = uint64(n(8))
	return g, nil
}

// Boxed once: Reserve passes them often.
var zero, one any = "0", "1"

// pairDefaults is PairLimit's documented defaults for fields left zero.
func pairDefaults(p whatsapp.PairLimit) whatsapp.PairLimit {
	if p.Interval <= 0 {
		p.Interval = whatsapp.PairInterval
	}
	if p.Burst <= 0 {
		p.Burst = whatsapp.PairBurst
	}
	if p.BurstWindow <= 0 {
		p.BurstWindow = whatsapp.PairBurstWindow
	}
	return p
}

// Release implements whatsapp.Store: one script, one round trip, and none
// for a Grant that counted nothing.
func (s *Store) Release(ctx context.Context, g whatsapp.Grant) error {
	if !g.OK || (!g.TierCounted && g.Seq == 0) {
		return nil
	}
	counted, at, prev := "0", "", ""
	if g.TierCounted {
		us, ns, ok := split(g.TierAt)
		if !ok {
			return outOfRange("grant.TierAt", g.TierAt)
		}
		counted, at = "1", formatTime(us, ns)
		if !g.TierPrev.IsZero() {
			pu, pn, ok := split(g.TierPrev)
			if !ok {
				return outOfRange("grant.TierPrev", g.TierPrev)
			}
			prev = formatTime(pu, pn)
		}
	}
	seq := "0"
	if g.Seq != 0 {
		seq = fmt.Sprintf("%016x", g.Seq)
	}
	k := s.k.reserveKeys(&g.Usage)[:3]
	err := releaseScript.Run(ctx, s.rdb, k, g.Usage.User, counted, at, prev, seq).Err()
	if err != nil && s.failOpen && unavailable(err) {
		s.log().ErrorContext(ctx, "redisstore: release failed open: quota not given back", "err", err, "phone", g.Usage.Phone)
		return nil
	}
	return wrap("release", err)
}
