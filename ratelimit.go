package whatsapp

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThroughputBurst returns the burst a throughput limiter allows on top of
// its rate: a tenth of a second's worth of messages, at least one. Meta
// documents a rate, not a burst; a small burst absorbs scheduling jitter
// while keeping the rate over any minute within 1% of the documented one.
func ThroughputBurst(perSecond int) int {
	return max(1, perSecond/10)
}

// tokenBucket is one number's throughput bucket. It is not safe for
// concurrent use: its owner locks it.
type tokenBucket struct {
	lim  *rate.Limiter
	mps  int
	last time.Time // latest time used; earlier input is moved up to it
}

// clamp returns at, or the latest time the bucket has seen if that is
// later: the limiter never credits tokens twice for time that went
// backwards.
func (b *tokenBucket) clamp(at time.Time) time.Time {
	if at.Before(b.last) {
		return b.last
	}
	b.last = at
	return at
}

// setRate creates the limiter or changes its rate, keeping its tokens.
func (b *tokenBucket) setRate(at time.Time, mps int) {
	if mps <= 0 {
		mps = StandardMessagesPerSecond
	}
	switch {
	case b.lim == nil:
		b.lim = rate.NewLimiter(rate.Limit(mps), ThroughputBurst(mps))
	case b.mps != mps:
		b.lim.SetLimitAt(at, rate.Limit(mps))
		b.lim.SetBurstAt(at, ThroughputBurst(mps))
	}
	b.mps = mps
}

// take takes one token at at, or reports when one will be available.
func (b *tokenBucket) take(at time.Time, mps int) (ok bool, retryAt time.Time) {
	at = b.clamp(at)
	b.setRate(at, mps)
	if b.lim.AllowN(at, 1) {
		return true, time.Time{}
	}
	return false, at.Add(b.deficit(at))
}

// deficit returns how long until a token is available at at.
func (b *tokenBucket) deficit(at time.Time) time.Duration {
	need := 1 - b.lim.TokensAt(at)
	if need <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(need * float64(time.Second) / float64(b.lim.Limit())))
}

// Throughput limits how many messages each business phone number sends per
// second: 80 by default, 1,000 after the automatic upgrade, 20 for numbers
// shared with the WhatsApp Business app. Over it the platform answers
// 130429 (ErrRateLimited). It is a token bucket per number
// (golang.org/x/time/rate) with a burst of ThroughputBurst.
//
// The zero value is ready to use, at 80 messages per second for every
// number. It is safe for concurrent use. Meta counts inbound messages too;
// this limiter counts what it is asked about.
//
// Cloud API: throughput (per registered business phone number).
type Throughput struct {
	// Clock returns the current time; nil means time.Now. Wait sleeps on
	// real timers whatever the clock (tests use testing/synctest).
	Clock func() time.Time

	mu      sync.Mutex
	numbers map[string]*throughputNumber
}

type throughputNumber struct {
	mu     sync.Mutex
	bucket tokenBucket
	mps    int
}

func (l *Throughput) now() time.Time {
	if l.Clock != nil {
		return l.Clock()
	}
	return time.Now()
}

func (l *Throughput) number(phoneNumberID string) *throughputNumber {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.numbers[phoneNumberID]
	if n == nil {
		if l.numbers == nil {
			l.numbers = make(map[string]*throughputNumber)
		}
		n = &throughputNumber{mps: StandardMessagesPerSecond}
		l.numbers[phoneNumberID] = n
	}
	return n
}

// SetLevel sets a number's throughput level (see
// ThroughputLevel.MessagesPerSecond). Tokens already in the bucket stay.
func (l *Throughput) SetLevel(phoneNumberID string, level ThroughputLevel) {
	n := l.number(phoneNumberID)
	n.mu.Lock()
	n.mps = level.MessagesPerSecond()
	n.mu.Unlock()
}

// Allow reports whether the number may send one message now, and if so
// counts it.
func (l *Throughput) Allow(phoneNumberID string) bool {
	ok, _ := l.AllowAt(phoneNumberID, l.now())
	return ok
}

// AllowAt reports whether the number may send one message at at, and
// counts it if so; if not, retryAt is the earliest time it may. A time
// earlier than one already seen for the number counts as that later time.
func (l *Throughput) AllowAt(phoneNumberID string, at time.Time) (ok bool, retryAt time.Time) {
	n := l.number(phoneNumberID)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.bucket.take(at, n.mps)
}

// Wait blocks until the number may send one message, counts it, and
// returns nil; or returns the context's error if it is done first (the
// reserved slot is then given back). Waiters are served in order.
func (l *Throughput) Wait(ctx context.Context, phoneNumberID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := l.number(phoneNumberID)
	n.mu.Lock()
	at := n.bucket.clamp(l.now())
	n.bucket.setRate(at, n.mps)
	r := n.bucket.lim.ReserveN(at, 1)
	n.mu.Unlock()
	delay := r.DelayFrom(at)
	if delay <= 0 {
		return nil
	}
	if err := sleepContext(ctx, delay); err != nil {
		n.mu.Lock()
		r.CancelAt(n.bucket.clamp(l.now()))
		n.mu.Unlock()
		return err
	}
	return nil
}

// sleepContext waits for d or until ctx is done, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PairLimit is the pair rate limit between one business number and one
// user, as Meta documents it: one message every 6 seconds on average;
// bursts of up to 45 messages within 6 seconds are allowed, but borrow
// from the future, so after a burst of n messages the next one waits until
// n × 6 seconds after the burst began (a burst of 20 means 2 minutes).
// Over it the platform answers 131056 (ErrPairRateLimited).
//
// This is not a token bucket (a bucket of 45 would allow 45 and then one
// every 6 seconds with no cooldown): it is a burst that runs up a debt,
// paid back at the average rate before the next burst may start.
//
// The zero value is the documented rule; a field left zero takes its
// documented value.
//
// Cloud API: pair rate limits (131056).
type PairLimit struct {
	// Interval is the average time between messages. Default 6 s.
	Interval time.Duration
	// Burst is the most messages a burst may hold. Default 45.
	Burst int
	// BurstWindow is how long after its first message a burst may grow.
	// Default 6 s.
	BurstWindow time.Duration
}

// Documented pair rate limit.
const (
	PairInterval    = 6 * time.Second
	PairBurst       = 45
	PairBurstWindow = 6 * time.Second
)

func (p PairLimit) withDefaults() PairLimit {
	if p.Interval <= 0 {
		p.Interval = PairInterval
	}
	if p.Burst <= 0 {
		p.Burst = PairBurst
	}
	if p.BurstWindow <= 0 {
		p.BurstWindow = PairBurstWindow
	}
	return p
}

// PairState is the state of one (number, user) pair under a PairLimit.
// The zero value is a pair that sent nothing.
type PairState struct {
	// Until is when the debt of the last burst is paid: the earliest time
	// a new burst may start.
	Until time.Time
	// BurstStart is when the current (or last) burst began.
	BurstStart time.Time
	// BurstCount is how many messages the current burst holds.
	BurstCount int
}

// Take applies the rule to one message at at. It returns the new state
// and true if the message may be sent; otherwise the state unchanged,
// false, and retryAt, the earliest time a message may be sent (the end of
// the debt). Precisely, with t = at, or s.BurstStart if at is earlier or
// zero:
//
//   - if t ≥ s.Until, a new burst begins: {Until: t + Interval,
//     BurstStart: t, BurstCount: 1};
//   - else if t < s.BurstStart + BurstWindow and s.BurstCount < Burst,
//     the burst grows: BurstCount + 1, Until + Interval;
//   - else the message is refused, retryAt = s.Until.
func (p PairLimit) Take(s PairState, at time.Time) (next PairState, ok bool, retryAt time.Time) {
	p = p.withDefaults()
	if at.Before(s.BurstStart) || at.IsZero() {
		at = s.BurstStart
	}
	switch {
	case !at.Before(s.Until):
		// No debt: a new burst begins.
		return PairState{Until: addClamped(at, p.Interval), BurstStart: at, BurstCount: 1}, true, time.Time{}
	case at.Before(addClamped(s.BurstStart, p.BurstWindow)) && s.BurstCount < p.Burst:
		s.BurstCount++
		s.Until = addClamped(s.Until, p.Interval)
		return s, true, time.Time{}
	}
	return s, false, s.Until
}

// idle reports whether the state is equivalent to the zero state at at:
// its debt is paid.
func (s PairState) idle(at time.Time) bool { return !at.Before(s.Until) }

// pairKey identifies a (business number, user) pair.
type pairKey struct{ phone, user string }

// PairLimiter applies a PairLimit to every (number, user) pair. The zero
// value is ready to use with the documented rule, and safe for concurrent
// use. Pairs whose debt is paid are forgotten as it grows.
type PairLimiter struct {
	// Limit is the rule; the zero value is the documented one.
	Limit PairLimit
	// Clock returns the current time; nil means time.Now. Wait sleeps on
	// real timers whatever the clock.
	Clock func() time.Time

	mu    sync.Mutex
	pairs map[pairKey]PairState
	sweep int // size at which to forget idle pairs
}

// Allow reports whether the number may send one message to the user now,
// and counts it if so.
func (l *PairLimiter) Allow(phoneNumberID, user string) bool {
	ok, _ := l.AllowAt(phoneNumberID, user, l.now())
	return ok
}

// AllowAt reports whether the number may send one message to the user at
// at, and counts it if so; if not, retryAt is the earliest time it may.
func (l *PairLimiter) AllowAt(phoneNumberID, user string, at time.Time) (ok bool, retryAt time.Time) {
	k := pairKey{phoneNumberID, user}
	l.mu.Lock()
	defer l.mu.Unlock()
	next, ok, retryAt := l.Limit.Take(l.pairs[k], at)
	if ok {
		if l.pairs == nil {
			l.pairs = make(map[pairKey]PairState)
		}
		l.pairs[k] = next
		if len(l.pairs) >= l.sweep {
			for pk, s := range l.pairs {
				if s.idle(at) {
					delete(l.pairs, pk)
				}
			}
			l.sweep = max(1024, 2*len(l.pairs))
		}
	}
	return ok, retryAt
}

// Wait blocks until the number may send one message to the user, counts
// it, and returns nil; or returns the context's error if it is done first.
func (l *PairLimiter) Wait(ctx context.Context, phoneNumberID, user string) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := l.now()
		ok, retryAt := l.AllowAt(phoneNumberID, user, now)
		if ok {
			return nil
		}
		if err := sleepContext(ctx, retryAt.Sub(now)); err != nil {
			return err
		}
	}
}

func (l *PairLimiter) now() time.Time {
	if l.Clock != nil {
		return l.Clock()
	}
	return time.Now()
}

// TierWindow is the span over which a messaging limit counts unique users.
const TierWindow = 24 * time.Hour

// TierBudget counts the unique users reached by business-initiated
// messages (those sent outside the customer service window) in a moving 24
// hours, exactly: not in fixed buckets. A user reached again within 24
// hours is not counted twice (the repeat moves their 24 hours forward).
// Messages inside the window are not business-initiated: do not pass them.
//
// The zero value counts without a limit. It is safe for concurrent use.
// Time never goes backwards for a budget: a time earlier than the latest
// one it has seen counts as that latest time.
//
// Cloud API: messaging limits (since October 2025, per business portfolio).
type TierBudget struct {
	// Limit is the most unique users in any 24 hours; zero or less means
	// no limit (users are still counted). See Tier.Limit.
	Limit int

	mu sync.Mutex
	b  budget
}

// Reach reports whether a business-initiated message to user may be sent
// at at under the limit, and counts it if so. If not, retryAt is when the
// oldest counted user leaves the moving 24 hours.
func (t *TierBudget) Reach(user string, at time.Time) (ok bool, retryAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.b.reserve(user, at, t.Limit)
	return r.ok, r.retryAt
}

// Count returns how many unique users were reached in the 24 hours up to
// at.
func (t *TierBudget) Count(at time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.count(at)
}

// budget is the exact moving-window unique-user counter behind TierBudget
// and MemoryStore. It is not safe for concurrent use.
//
// last maps each counted user to the time they were last reached; a user
// counts while that time is within TierWindow of now. The heap holds at
// most one live entry per user, ordered by time, so expiry and the retry
// time cost O(log n): an entry older than its user's last time is stale
// and is moved up when it reaches the top.
type budget struct {
	last   map[string]time.Time
	heap   []budgetEntry
	latest time.Time
}

type budgetEntry struct {
	user string
	at   time.Time
}

// budgetResult is the outcome of a reservation.
type budgetResult struct {
	ok      bool
	retryAt time.Time
	at      time.Time // the time counted (at, moved up to the latest seen)
	prev    time.Time // the user's previous time, zero if newly counted
}

func (b *budget) now(at time.Time) time.Time {
	if at.After(b.latest) {
		b.latest = at
	}
	return b.latest
}

// expire drops users last reached at or before now - TierWindow.
func (b *budget) expire(now time.Time) {
	horizon := now.Add(-TierWindow)
	for len(b.heap) > 0 {
		top := b.heap[0]
		if top.at.After(horizon) {
			return
		}
		b.pop()
		last, ok := b.last[top.user]
		switch {
		case !ok || last.Before(top.at):
			// Orphan of a cancelled reservation: drop it.
		case last.After(horizon):
			b.push(budgetEntry{top.user, last}) // reached again since
		default:
			delete(b.last, top.user)
		}
	}
}

// oldest returns the time of the least recently reached counted user,
// fixing stale entries at the top of the heap.
func (b *budget) oldest() time.Time {
	for len(b.heap) > 0 {
		top := b.heap[0]
		last, ok := b.last[top.user]
		if ok && last.Equal(top.at) {
			return top.at
		}
		b.pop()
		if ok && last.After(top.at) {
			b.push(budgetEntry{top.user, last})
		}
	}
	return time.Time{}
}

func (b *budget) count(at time.Time) int {
	b.expire(b.now(at))
	return len(b.last)
}

// check reports whether user may be reached at now (already expired to
// now) under limit, without counting it; prev and counted say whether and
// since when the user counts, for commit.
func (b *budget) check(user string, now time.Time, limit int) (ok bool, retryAt, prev time.Time, counted bool) {
	prev, counted = b.last[user]
	if counted || limit <= 0 || len(b.last) < limit {
		return true, time.Time{}, prev, counted
	}
	return false, b.oldest().Add(TierWindow), prev, counted
}

// commit counts user at now; check must have admitted it, returning prev
// and counted, with nothing changed since.
func (b *budget) commit(user string, now, prev time.Time, counted bool) budgetResult {
	if b.last == nil {
		b.last = make(map[string]time.Time)
	}
	if counted {
		if now.After(prev) {
			b.last[user] = now
		}
		return budgetResult{ok: true, at: b.last[user], prev: prev}
	}
	b.last[user] = now
	b.push(budgetEntry{user, now})
	return budgetResult{ok: true, at: now}
}

func (b *budget) reserve(user string, at time.Time, limit int) budgetResult {
	now := b.now(at)
	b.expire(now)
	ok, retryAt, prev, counted := b.check(user, now, limit)
	if !ok {
		return budgetResult{retryAt: retryAt, at: now}
	}
	return b.commit(user, now, prev, counted)
}

// cancel undoes a reservation that counted user at at, if nothing counted
// the user since.
func (b *budget) cancel(user string, at, prev time.Time) {
	last, ok := b.last[user]
	if !ok || !last.Equal(at) {
		return
	}
	if prev.IsZero() || !prev.After(b.latest.Add(-TierWindow)) {
		delete(b.last, user)
		return
	}
	b.last[user] = prev
	// The user's heap entry may have been moved up to the cancelled time;
	// give the restored time an entry of its own, or the user would never
	// expire. A surplus entry is dropped when it reaches the top.
	b.push(budgetEntry{user, prev})
}

func (b *budget) push(e budgetEntry) {
	b.heap = append(b.heap, e)
	i := len(b.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !b.heap[i].at.Before(b.heap[p].at) {
			break
		}
		b.heap[i], b.heap[p] = b.heap[p], b.heap[i]
		i = p
	}
}

func (b *budget) pop() {
	n := len(b.heap) - 1
	b.heap[0] = b.heap[n]
	b.heap[n] = budgetEntry{}
	b.heap = b.heap[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && b.heap[l].at.Before(b.heap[m].at) {
			m = l
		}
		if r < n && b.heap[r].at.Before(b.heap[m].at) {
			m = r
		}
		if m == i {
			return
		}
		b.heap[i], b.heap[m] = b.heap[m], b.heap[i]
		i = m
	}
}

// FrequencyCap limits how many marketing messages one user receives in a
// period, e.g. 2 in 7 days. A zero Limit means the Guard's default (see
// Policy); a negative one turns the cap off.
type FrequencyCap struct {
	Limit  int
	Period time.Duration
}
