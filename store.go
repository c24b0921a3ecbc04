package whatsapp

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Store holds the rule state a Guard decides on: windows, opt-ins and
// opt-outs, messaging tiers, throughput levels, template health, and the
// counters of the rate limits and quotas. MemoryStore is the default; a
// Store shared by several processes (Redis, say) lets replicas agree.
//
// The decisions stay in Go (Window, FreeEntryPoint, PairLimit,
// TemplateHealth, the Guard's policy); a Store keeps state and applies
// four kinds of atomic operation, each specified below precisely enough to
// be written on another engine from this documentation alone. The
// storetest package checks an implementation against it.
//
// Every method must be safe for concurrent use, and each call must be
// atomic with respect to every other call that touches the same keys:
// never a read followed by a separate write. Implementations return an
// error only when the storage itself fails (the Guard then refuses the
// send with that error); a refusal by a limit is a Grant, not an error.
//
// Times are compared at nanosecond precision; an implementation that
// stores coarser times must round up (later), never down.
//
// # Keys
//
// State lives under these keys: Phone (a business phone number ID); User
// (a recipient: the digits of a phone number, or a business-scoped user
// ID); the pair (Phone, User); Portfolio (a business portfolio; "" is a
// valid key); and TemplateRef (name and language). A Reserve touches
// (Phone), (Phone, User), (User) and (Portfolio) together; an
// implementation on a sharded engine must place them so that one Reserve
// is one atomic step (on Redis Cluster: under one hash tag; the
// pair state of a phone is shared by every portfolio it is reserved under).
//
// # Retention
//
// A Store may forget the state of a (Phone, User) pair once its window and
// free entry point window have been closed, and its pair limit idle, for
// 24 hours; and counters once they no longer count (a tier budget entry 24
// hours after it was counted, a frequency entry one period after). It must
// keep opt-in and opt-out facts, tiers, throughput levels and template
// events until overwritten.
type Store interface {
	// Load returns the state stored under the keys of k, as of the latest
	// Record and Reserve calls that completed before it. Fields whose key
	// holds nothing are zero. TemplateEvents is empty when k.Template is
	// zero; otherwise it holds the template's events in time order (equal
	// times in the order recorded), and the caller must not modify it. It
	// changes nothing.
	Load(ctx context.Context, k StateKey) (State, error)

	// Record merges observed facts into the state, each by the rule of its
	// FactKind (see the FactKind constants): "max" keeps the later time,
	// "latest" keeps the value with the later At (on equal At, the fact
	// recorded last wins), "log" appends. Each fact is applied atomically;
	// facts of one call may be applied one after the other. A fact with a
	// zero At or an unknown Kind is ignored.
	Record(ctx context.Context, facts ...Fact) error

	// Reserve checks the limits that u asks for and, only if all of them
	// admit the send, counts it under all of them in the same atomic step.
	// See Usage for each limit's rule. If one or more refuse, nothing is
	// counted (only the latest time each limit has seen may move) and the
	// Grant says which (Refused: the first refusing in the
	// order frequency, tier, pair, throughput) and RetryAt, the latest of
	// the refusing limits' retry times: the earliest time a retry can pass
	// them all, as things stand.
	Reserve(ctx context.Context, u Usage) (Grant, error)

	// Release gives back what an admitted Grant counted under the tier
	// budget and the frequency cap, as if the send had not happened: the
	// user's tier time returns to the Grant's TierPrev (or the user stops
	// counting, when TierPrev is zero or older than TierWindow), but only
	// if it is still the Grant's TierAt (a later send keeps its own); the
	// frequency entry with the Grant's Seq is removed. Throughput and pair
	// limits are not given back: the platform counts attempts. Releasing
	// a refused Grant, or the same Grant twice, changes nothing.
	Release(ctx context.Context, g Grant) error
}

// StateKey names the state one send needs. Fields may be empty; an empty
// Template means the message is not a template.
type StateKey struct {
	Phone     string
	User      string
	Portfolio string
	Template  TemplateRef
}

// TemplateRef names a template: its name and language code.
type TemplateRef struct {
	Name     string
	Language string
}

// Flag is a yes-or-no fact with the time it was stated.
type Flag struct {
	On bool
	At time.Time
}

// State is the rule state of one send, as Store.Load returns it.
type State struct {
	// Window is the customer service window of (Phone, User).
	Window Window
	// EntryPoint is the free entry point window of (Phone, User).
	EntryPoint FreeEntryPoint
	// OptIn is the user's opt-in to messages from the business.
	OptIn Flag
	// MarketingOptOut is set when the user stopped marketing messages.
	MarketingOptOut Flag
	// MarketingLimitedUntil is when Meta's per-user marketing limit
	// (131049) observed for User ends; zero when none.
	MarketingLimitedUntil time.Time
	// Tier is the Portfolio's messaging limit, and when it was stated.
	Tier   Tier
	TierAt time.Time
	// Throughput is the Phone's throughput level, and when it was stated.
	Throughput   ThroughputLevel
	ThroughputAt time.Time
	// TemplateEvents are the Template's health events in time order.
	TemplateEvents []TemplateHealthEvent
}

// FactKind says what a Fact states and how a Store merges it. Each
// constant's documentation gives the key, the fields used and the merge
// rule.
type FactKind uint8

// Fact kinds.
const (
	// FactUserMessage: the user messaged or called (Phone, User) at At.
	// Merge: Window.LastUserMessage = max(LastUserMessage, At).
	FactUserMessage FactKind = iota + 1

	// FactReferral: a user message to (Phone, User) at At carried an ad or
	// page referral. Merge: EntryPoint = EntryPoint.RecordReferral(At):
	// ignored unless At > ReferralAt; then ignored if a window opened for
	// the current referral (OpenedAt ≥ ReferralAt, OpenedAt non-zero) is
	// still open at At (At < OpenedAt + 72 h); else ReferralAt = At.
	FactReferral

	// FactReply: the business sent a message to (Phone, User) at At.
	// Merge: EntryPoint = EntryPoint.RecordReply(At): if a referral is
	// pending (ReferralAt non-zero, no window opened for it) and
	// ReferralAt ≤ At < ReferralAt + 24 h, OpenedAt = At; else if a window
	// was opened for it and ReferralAt ≤ At < OpenedAt, OpenedAt = At;
	// else nothing.
	FactReply

	// FactOptIn: User opted in (On) or withdrew (not On) at At.
	// Merge: latest, into OptIn.
	FactOptIn

	// FactMarketingOptOut: User stopped (On) or resumed (not On) marketing
	// messages at At. Merge: latest, into MarketingOptOut.
	FactMarketingOptOut

	// FactMarketingLimited: Meta's per-user marketing limit holds for User
	// until At. Merge: MarketingLimitedUntil = max(MarketingLimitedUntil,
	// At).
	FactMarketingLimited

	// FactTier: Portfolio's messaging limit is Tier(Value) as of At.
	// Merge: latest, into Tier and TierAt.
	FactTier

	// FactThroughput: Phone's throughput level is ThroughputLevel(Value)
	// as of At. Merge: latest, into Throughput and ThroughputAt.
	FactThroughput

	// FactTemplate: an event of Template: TemplateHealthEvent{Event:
	// Value, Detail: Detail, At: At}. Merge: log: inserted in time order
	// after events of equal At, unless an event with the same Event,
	// Detail and At is there already (webhooks are delivered at least
	// once); when a template holds more than MaxTemplateEvents, the oldest
	// are dropped.
	FactTemplate
)

// MaxTemplateEvents is how many events a Store keeps per template.
const MaxTemplateEvents = 32

// Fact is one observation for Store.Record. Which fields matter depends on
// Kind.
type Fact struct {
	Kind      FactKind
	At        time.Time
	Phone     string
	User      string
	Portfolio string
	Template  TemplateRef
	On        bool
	Value     string
	Detail    string
}

// Quota names the limit that refused a Reserve.
type Quota uint8

// Quotas, in the order Reserve reports the first refusing one.
const (
	QuotaNone       Quota = iota
	QuotaFrequency        // the marketing frequency cap
	QuotaTier             // the messaging limit (tier budget)
	QuotaPair             // the pair rate limit
	QuotaThroughput       // the number's throughput
)

// String returns the quota's name.
func (q Quota) String() string {
	switch q {
	case QuotaNone:
		return "none"
	case QuotaFrequency:
		return "frequency"
	case QuotaTier:
		return "tier"
	case QuotaPair:
		return "pair"
	case QuotaThroughput:
		return "throughput"
	}
	return "quota(?)"
}

// Usage is what one send asks of the limits in Store.Reserve, at time At
// for the message from Phone to User. A limit left zero is not applied.
//
// Each store applies every limit with time moving forward only: for a
// limit's state, an At earlier than the latest time that state has seen
// counts as that latest time.
type Usage struct {
	At        time.Time
	Phone     string
	User      string
	Portfolio string

	// Throughput, if positive, is the Phone's rate in messages per second:
	// a token bucket of that rate and ThroughputBurst(Throughput) tokens,
	// full at first; the send takes one token. Refused when less than one
	// token is available; RetryAt is when one will be. When the rate
	// differs from the one the bucket had, the tokens it holds at At under
	// the old rate and burst are kept (capped at the new burst) and the
	// new rate applies from At.
	Throughput int

	// Pair, if not nil, is the rule for (Phone, User): the send is
	// PairLimit.Take on the pair's PairState. Refused when Take refuses;
	// RetryAt is Take's retryAt.
	Pair *PairLimit

	// Tier, if not zero, counts the send as business-initiated in the
	// Portfolio's budget: the set of users with the time each was last
	// reached; a user counts while that time is after At - TierWindow. If
	// User counts already, the send is admitted and the user's time
	// becomes max(time, At). Otherwise, if Tier is positive and at least
	// Tier users count, it is refused, RetryAt being the earliest time
	// among counting users plus TierWindow; else User is added at At. A
	// negative Tier counts without a limit.
	Tier int

	// Frequency, if its Limit and Period are positive, caps capped sends
	// to User: each admitted send records its At under a new Seq; refused
	// when Limit records are after At - Period, RetryAt being the
	// (count-Limit+1)-th oldest of them plus Period.
	Frequency FrequencyCap
}

// Grant is the outcome of Store.Reserve.
type Grant struct {
	// OK reports whether the send was admitted and counted.
	OK bool
	// Refused is the first refusing limit when not OK.
	Refused Quota
	// RetryAt is the earliest time a retry can pass the refusing limits,
	// when not OK.
	RetryAt time.Time

	// For Release. Usage is the request; the rest say what was counted.
	Usage Usage
	// TierCounted reports whether the tier budget counted the send;
	// TierAt is the user's time it set, TierPrev the time it replaced
	// (zero if the user was not counting).
	TierCounted      bool
	TierAt, TierPrev time.Time
	// Seq identifies the frequency record, when one was made (non-zero).
	Seq uint64
}

// MemoryStore is a Store in the process's memory: the default for a single
// process. It is sharded by user, safe for concurrent use, and never
// returns an error. The zero value is ready to use.
type MemoryStore struct {
	shards [memShards]memShard

	mu         sync.RWMutex // guards the maps below (not their values' contents)
	phones     map[string]*memPhone
	portfolios map[string]*memPortfolio
	templates  map[TemplateRef][]TemplateHealthEvent // copy on write

	seq atomic.Uint64
}

const memShards = 64

type memShard struct {
	mu      sync.Mutex
	users   map[string]*memUser
	sweepAt int
	_       [48]byte // keep shards on separate cache lines
}

// memUser is everything the store holds about one user, so that one map
// lookup serves a whole Load or Reserve.
type memUser struct {
	optIn, optOut Flag
	limitedUntil  time.Time
	freq          []freqRecord
	pairs         []memPair // one per business number; usually one
}

// memPair is the state of one (number, user) pair.
type memPair struct {
	phone  string
	window Window
	fep    FreeEntryPoint
	pair   PairState
}

// pair returns the user's pair with phone, or nil.
func (u *memUser) pair(phone string) *memPair {
	for i := range u.pairs {
		if u.pairs[i].phone == phone {
			return &u.pairs[i]
		}
	}
	return nil
}

// addPair returns the user's pair with phone, creating it.
func (u *memUser) addPair(phone string) *memPair {
	if p := u.pair(phone); p != nil {
		return p
	}
	u.pairs = append(u.pairs, memPair{phone: phone})
	return &u.pairs[len(u.pairs)-1]
}

type freqRecord struct {
	at  time.Time
	seq uint64
}

type memPhone struct {
	level   ThroughputLevel // guarded by MemoryStore.mu
	levelAt time.Time
	mu      sync.Mutex
	bucket  tokenBucket
}

type memPortfolio struct {
	tier   Tier // guarded by MemoryStore.mu
	tierAt time.Time
	mu     sync.Mutex
	budget budget
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return new(MemoryStore) }

func (s *MemoryStore) shard(user string) *memShard {
	// FNV-1a: cheap, no seed, good enough to spread phone numbers.
	h := uint32(2166136261)
	for i := 0; i < len(user); i++ {
		h ^= uint32(user[i])
		h *= 16777619
	}
	return &s.shards[h%memShards]
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, k StateKey) (State, error) {
	var st State
	sh := s.shard(k.User)
	sh.mu.Lock()
	if u := sh.users[k.User]; u != nil {
		st.OptIn, st.MarketingOptOut, st.MarketingLimitedUntil = u.optIn, u.optOut, u.limitedUntil
		if p := u.pair(k.Phone); p != nil {
			st.Window, st.EntryPoint = p.window, p.fep
		}
	}
	sh.mu.Unlock()

	s.mu.RLock()
	if p := s.phones[k.Phone]; p != nil {
		st.Throughput, st.ThroughputAt = p.level, p.levelAt
	}
	if p := s.portfolios[k.Portfolio]; p != nil {
		st.Tier, st.TierAt = p.tier, p.tierAt
	}
	if k.Template != (TemplateRef{}) {
		st.TemplateEvents = s.templates[k.Template]
	}
	s.mu.RUnlock()
	return st, nil
}

// Record implements Store.
func (s *MemoryStore) Record(_ context.Context, facts ...Fact) error {
	for i := range facts {
		s.record(&facts[i])
	}
	return nil
}

func (s *MemoryStore) record(f *Fact) {
	if f.At.IsZero() {
		return
	}
	switch f.Kind {
	case FactUserMessage, FactReferral, FactReply:
		sh := s.shard(f.User)
		sh.mu.Lock()
		p := sh.user(f.User, f.At).addPair(f.Phone)
		switch f.Kind {
		case FactUserMessage:
			p.window = p.window.Record(f.At)
		case FactReferral:
			p.fep = p.fep.RecordReferral(f.At)
		case FactReply:
			p.fep = p.fep.RecordReply(f.At)
		}
		sh.mu.Unlock()
	case FactOptIn, FactMarketingOptOut, FactMarketingLimited:
		sh := s.shard(f.User)
		sh.mu.Lock()
		u := sh.user(f.User, f.At)
		switch f.Kind {
		case FactOptIn:
			u.optIn = latestFlag(u.optIn, Flag{f.On, f.At})
		case FactMarketingOptOut:
			u.optOut = latestFlag(u.optOut, Flag{f.On, f.At})
		case FactMarketingLimited:
			if f.At.After(u.limitedUntil) {
				u.limitedUntil = f.At
			}
		}
		sh.mu.Unlock()
	case FactTier:
		p := s.portfolio(f.Portfolio)
		s.mu.Lock()
		if !f.At.Before(p.tierAt) {
			p.tier, p.tierAt = Tier(f.Value), f.At
		}
		s.mu.Unlock()
	case FactThroughput:
		p := s.phone(f.Phone)
		s.mu.Lock()
		if !f.At.Before(p.levelAt) {
			p.level, p.levelAt = ThroughputLevel(f.Value), f.At
		}
		s.mu.Unlock()
	case FactTemplate:
		ev := TemplateHealthEvent{Event: f.Value, Detail: f.Detail, At: f.At}
		s.mu.Lock()
		old := s.templates[f.Template]
		for _, e := range old {
			if e == ev {
				s.mu.Unlock()
				return // a redelivery
			}
		}
		i := len(old)
		for i > 0 && old[i-1].At.After(ev.At) {
			i--
		}
		evs := make([]TemplateHealthEvent, 0, len(old)+1)
		evs = append(append(append(evs, old[:i]...), ev), old[i:]...)
		if len(evs) > MaxTemplateEvents {
			evs = evs[len(evs)-MaxTemplateEvents:]
		}
		if s.templates == nil {
			s.templates = make(map[TemplateRef][]TemplateHealthEvent)
		}
		s.templates[f.Template] = evs
		s.mu.Unlock()
	}
}

func latestFlag(old, f Flag) Flag {
	if f.At.Before(old.At) {
		return old
	}
	return f
}

// user returns the user's record, creating it; the shard is locked. When
// the map has doubled since the last sweep, records the retention rule
// lets go are forgotten first.
func (sh *memShard) user(user string, now time.Time) *memUser {
	u := sh.users[user]
	if u != nil {
		return u
	}
	if sh.users == nil {
		sh.users = make(map[string]*memUser)
	}
	if len(sh.users) >= sh.sweepAt {
		for k, v := range sh.users {
			if v.sweep(now) {
				delete(sh.users, k)
			}
		}
		sh.sweepAt = max(256, 2*len(sh.users))
	}
	u = new(memUser)
	sh.users[user] = u
	return u
}

// sweep drops the pairs the retention rule lets go, and reports whether
// nothing else is left to keep.
func (u *memUser) sweep(now time.Time) bool {
	kept := u.pairs[:0]
	for _, p := range u.pairs {
		if !p.idle(now) {
			kept = append(kept, p)
		}
	}
	clear(u.pairs[len(kept):])
	u.pairs = kept
	return len(u.pairs) == 0 && len(u.freq) == 0 && u.optIn.At.IsZero() && u.optOut.At.IsZero() &&
		!u.limitedUntil.After(now)
}

// idle reports whether forgetting the pair is allowed by the retention
// rule: windows closed and pair limit idle for 24 hours.
func (p *memPair) idle(now time.Time) bool {
	horizon := now.Add(-24 * time.Hour)
	after := func(t time.Time) bool { return !t.IsZero() && t.After(horizon) }
	return !after(p.window.ClosesAt()) && !after(p.fep.ClosesAt()) &&
		!after(addClamped(p.fep.ReferralAt, EntryPointReplyDeadline)) && !after(p.pair.Until)
}

func (s *MemoryStore) phone(id string) *memPhone {
	s.mu.RLock()
	p := s.phones[id]
	s.mu.RUnlock()
	if p != nil {
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.phones[id]; p == nil {
		if s.phones == nil {
			s.phones = make(map[string]*memPhone)
		}
		p = new(memPhone)
		s.phones[id] = p
	}
	return p
}

func (s *MemoryStore) portfolio(id string) *memPortfolio {
	s.mu.RLock()
	p := s.portfolios[id]
	s.mu.RUnlock()
	if p != nil {
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.portfolios[id]; p == nil {
		if s.portfolios == nil {
			s.portfolios = make(map[string]*memPortfolio)
		}
		p = new(memPortfolio)
		s.portfolios[id] = p
	}
	return p
}

// Reserve implements Store. Locks are taken in the order user shard,
// portfolio, phone, so the whole check-and-count is one atomic step.
func (s *MemoryStore) Reserve(_ context.Context, u Usage) (Grant, error) {
	g := Grant{Usage: u}
	refuse := func(q Quota, retryAt time.Time) {
		if g.Refused == QuotaNone {
			g.Refused = q
		}
		if retryAt.After(g.RetryAt) {
			g.RetryAt = retryAt
		}
	}

	sh := s.shard(u.User)
	sh.mu.Lock()
	defer sh.mu.Unlock()

	// Frequency: check only.
	user := sh.users[u.User]
	var freqAt time.Time
	capped := u.Frequency.Limit > 0 && u.Frequency.Period > 0
	if capped {
		if user == nil {
			user = sh.user(u.User, u.At)
		}
		var ok bool
		var retryAt time.Time
		ok, retryAt, freqAt = freqCheck(&user.freq, u.At, u.Frequency.Limit, u.Frequency.Period)
		if !ok {
			refuse(QuotaFrequency, retryAt)
		}
	}

	// Tier: check only, keeping the portfolio locked until the end.
	var port *memPortfolio
	var tierNow, tierPrev time.Time
	var tierCounted bool
	if u.Tier != 0 {
		port = s.portfolio(u.Portfolio)
		port.mu.Lock()
		defer port.mu.Unlock()
		tierNow = port.budget.now(u.At)
		port.budget.expire(tierNow)
		var ok bool
		var retryAt time.Time
		if ok, retryAt, tierPrev, tierCounted = port.budget.check(u.User, tierNow, u.Tier); !ok {
			refuse(QuotaTier, retryAt)
		}
	}

	// Pair: check only.
	var pair *memPair
	var nextPair PairState
	if u.Pair != nil {
		if user != nil {
			pair = user.pair(u.Phone)
		}
		var cur PairState
		if pair != nil {
			cur = pair.pair
		}
		var ok bool
		var retryAt time.Time
		nextPair, ok, retryAt = u.Pair.Take(cur, u.At)
		if !ok {
			refuse(QuotaPair, retryAt)
		}
	}

	if g.Refused != QuotaNone {
		return g, nil
	}

	// Throughput: the only check that counts at once; last, so that a
	// refusal elsewhere never spends a token.
	if u.Throughput > 0 {
		ph := s.phone(u.Phone)
		ph.mu.Lock()
		ok, retryAt := ph.bucket.take(u.At, u.Throughput)
		ph.mu.Unlock()
		if !ok {
			refuse(QuotaThroughput, retryAt)
			return g, nil
		}
	}

	// Everything admitted: count.
	g.OK = true
	if port != nil {
		r := port.budget.commit(u.User, tierNow, tierPrev, tierCounted)
		g.TierCounted, g.TierAt, g.TierPrev = true, r.at, r.prev
	}
	if u.Pair != nil {
		if pair == nil {
			if user == nil {
				user = sh.user(u.User, u.At)
			}
			pair = user.addPair(u.Phone)
		}
		pair.pair = nextPair
	}
	if capped {
		g.Seq = s.seq.Add(1)
		user.freq = append(user.freq, freqRecord{freqAt, g.Seq})
	}
	return g, nil
}

// freqCheck drops records that left the period and reports whether one
// more fits; eff is the time the new record takes (time never goes back).
func freqCheck(recs *[]freqRecord, at time.Time, limit int, period time.Duration) (ok bool, retryAt, eff time.Time) {
	r := *recs
	if n := len(r); n > 0 && at.Before(r[n-1].at) {
		at = r[n-1].at
	}
	horizon := at.Add(-period)
	drop := 0
	for drop < len(r) && !r[drop].at.After(horizon) {
		drop++
	}
	if drop > 0 {
		r = append(r[:0], r[drop:]...)
		*recs = r
	}
	if len(r) < limit {
		return true, time.Time{}, at
	}
	return false, addClamped(r[len(r)-limit].at, period), at
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, g Grant) error {
	if !g.OK {
		return nil
	}
	if g.TierCounted {
		s.mu.RLock()
		port := s.portfolios[g.Usage.Portfolio]
		s.mu.RUnlock()
		if port != nil {
			port.mu.Lock()
			port.budget.cancel(g.Usage.User, g.TierAt, g.TierPrev)
			port.mu.Unlock()
		}
	}
	if g.Seq != 0 {
		sh := s.shard(g.Usage.User)
		sh.mu.Lock()
		if u := sh.users[g.Usage.User]; u != nil {
			for i, r := range u.freq {
				if r.seq == g.Seq {
					u.freq = append(u.freq[:i], u.freq[i+1:]...)
					break
				}
			}
		}
		sh.mu.Unlock()
	}
	return nil
}
