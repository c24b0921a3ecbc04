package redisstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/storetest"
)

var t0 = time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)

func TestStoreConformance(t *testing.T) {
	rdb := needRedis(t)
	storetest.Run(t, func() whatsapp.Store { return New(rdb, &Options{Prefix: testPrefix()}) })
}

// TestReleaseRepeatThenExpire: releasing a repeat send restores the user's
// earlier time, and that time leaves the moving 24 hours like any other.
func TestReleaseRepeatThenExpire(t *testing.T) {
	rdb := needRedis(t)
	ctx := ctxT(t)
	s := New(rdb, &Options{Prefix: testPrefix()})
	reserve := func(user string, at time.Duration) whatsapp.Grant {
		t.Helper()
		g, err := s.Reserve(ctx, whatsapp.Usage{At: t0.Add(at), Phone: "1055", User: user, Portfolio: "p", Tier: 2})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	reserve("a", 0)
	reserve("b", time.Hour)
	repeat := reserve("a", 2*time.Hour)
	if !repeat.OK || !repeat.TierPrev.Equal(t0) {
		t.Fatalf("repeat to a: %+v", repeat)
	}
	if g := reserve("c", 3*time.Hour); g.OK || !g.RetryAt.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("c over the tier: %+v, want refused until b leaves at t0+25h", g)
	}
	if err := s.Release(ctx, repeat); err != nil {
		t.Fatal(err)
	}
	if g := reserve("c", 3*time.Hour); g.OK || !g.RetryAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("c after the release: %+v, want refused until a (back at t0) leaves at t0+24h", g)
	}
	if g := reserve("d", 26*time.Hour); !g.OK {
		t.Fatalf("d at t0+26h: %+v", g)
	}
	if g := reserve("e", 26*time.Hour); !g.OK {
		t.Fatalf("e at t0+26h, when only d counts: %+v", g)
	}
}

// TestKeys: every key starts with the prefix; strings that meet in one key
// cannot collide; braces in names cannot move counters out of their slot.
func TestKeys(t *testing.T) {
	rdb := needRedis(t)
	ctx := ctxT(t)
	prefix := testPrefix()
	s := New(rdb, &Options{Prefix: prefix})
	rec := func(phone, user string, at time.Time) {
		t.Helper()
		if err := s.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactUserMessage, Phone: phone, User: user, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	rec("1", "23", t0)
	rec("12", "3", t0.Add(time.Hour))
	st, err := s.Load(ctx, whatsapp.StateKey{Phone: "1", User: "23"})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Window.LastUserMessage.Equal(t0) {
		t.Fatalf("pair (1, 23) sees %v: keys of (1, 23) and (12, 3) collide", st.Window.LastUserMessage)
	}
	u := whatsapp.Usage{At: t0, Phone: "{x}", User: "u}{", Portfolio: "p{1}", Tier: 5, Throughput: 80,
		Pair: &whatsapp.PairLimit{}, Frequency: whatsapp.FrequencyCap{Limit: 1, Period: time.Hour}}
	if g, err := s.Reserve(ctx, u); err != nil || !g.OK {
		t.Fatalf("Reserve with braces in names: %+v, %v", g, err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		n++
		if strings.Contains(k, ":{counters}:") || strings.HasPrefix(k, prefix+"{counters}") {
			if tag := hashTag(k); tag != "counters" {
				t.Errorf("counter key %q has hash tag %q", k, tag)
			}
		}
	}
	if n < 7 {
		t.Fatalf("%d keys under the prefix, want the 2 windows and 5 counters: %q", n, keys)
	}
	for _, pfx := range []string{"", "a{b}:"} {
		s := New(rdb, &Options{Prefix: pfx})
		for _, k := range s.k.reserveKeys(&u) {
			if tag := hashTag(k); tag != "counters" {
				t.Errorf("prefix %q: key %q has hash tag %q", pfx, k, tag)
			}
		}
	}
	per := New(rdb, &Options{Prefix: "w{}:", SlotPerPortfolio: true})
	for _, k := range per.k.reserveKeys(&u) {
		if tag := hashTag(k); tag != "p:p%7B1%7D" {
			t.Errorf("SlotPerPortfolio: key %q has hash tag %q, want the portfolio's", k, tag)
		}
	}
}

// hashTag returns the part of k that Redis Cluster hashes, when it is a tag.
func hashTag(k string) string {
	i := strings.IndexByte(k, '{')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(k[i+1:], '}')
	if j <= 0 {
		return ""
	}
	return k[i+1 : i+1+j]
}

// TestRetention: counters expire by themselves; facts the contract says to
// keep have no time to live.
func TestRetention(t *testing.T) {
	rdb := needRedis(t)
	ctx := ctxT(t)
	s := New(rdb, &Options{Prefix: testPrefix()})
	u := whatsapp.Usage{At: t0, Phone: "1055", User: "15550001", Portfolio: "p", Tier: 5, Throughput: 80,
		Pair: &whatsapp.PairLimit{}, Frequency: whatsapp.FrequencyCap{Limit: 1, Period: 7 * 24 * time.Hour}}
	if _, err := s.Reserve(ctx, u); err != nil {
		t.Fatal(err)
	}
	tpl := whatsapp.TemplateRef{Name: "promo", Language: "en_US"}
	err := s.Record(ctx,
		whatsapp.Fact{Kind: whatsapp.FactUserMessage, Phone: u.Phone, User: u.User, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactOptIn, User: u.User, On: true, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactTier, Portfolio: u.Portfolio, Value: "TIER_2K", At: t0},
		whatsapp.Fact{Kind: whatsapp.FactThroughput, Phone: u.Phone, Value: "HIGH", At: t0},
		whatsapp.Fact{Kind: whatsapp.FactTemplate, Template: tpl, Value: "PAUSED", At: t0},
	)
	if err != nil {
		t.Fatal(err)
	}
	keys := s.k.reserveKeys(&u)
	log, seq := s.k.template(tpl)
	tests := []struct {
		key      string
		min, max time.Duration // -1: no time to live
	}{
		{keys[0], 7*24*time.Hour + time.Hour - time.Minute, 7*24*time.Hour + time.Hour},           // frequency: period + 1h
		{keys[1], TierBudgetTTL - time.Minute, TierBudgetTTL},                                     // tier set
		{keys[2], TierBudgetTTL - time.Minute, TierBudgetTTL},                                     // tier times
		{keys[3], 24*time.Hour + whatsapp.PairInterval - time.Minute, 24*time.Hour + time.Minute}, // pair: debt + 24h
		{keys[4], BucketTTL - time.Minute, BucketTTL},                                             // bucket
		{s.k.window(u.Phone, u.User), 48*time.Hour - time.Minute, 48 * time.Hour},                 // window: closes + 24h
		{s.k.user(u.User), -1, -1},
		{s.k.tierLevel(u.Portfolio), -1, -1},
		{s.k.throughputLevel(u.Phone), -1, -1},
		{log, -1, -1},
		{seq, -1, -1},
		{keys[5], -1, -1},
	}
	for _, tt := range tests {
		ttl, err := rdb.PTTL(ctx, tt.key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if tt.min < 0 {
			if ttl != -1 {
				t.Errorf("%s: time to live %v, want none", tt.key, ttl)
			}
			continue
		}
		if ttl < tt.min || ttl > tt.max {
			t.Errorf("%s: time to live %v, want %v to %v", tt.key, ttl, tt.min, tt.max)
		}
	}
	// A day later the first user has left: the tier set empties, and is
	// made anew with its time to live.
	u2 := whatsapp.Usage{At: t0.Add(25 * time.Hour), Phone: u.Phone, User: "15550002", Portfolio: u.Portfolio, Tier: 5}
	if g, err := s.Reserve(ctx, u2); err != nil || !g.OK {
		t.Fatalf("a day later: %+v, %v", g, err)
	}
	if n, err := rdb.ZCard(ctx, keys[1]).Result(); err != nil || n != 1 {
		t.Fatalf("tier set holds %d users, want 1 (%v)", n, err)
	}
	if ttl, err := rdb.PTTL(ctx, keys[1]).Result(); err != nil || ttl < TierBudgetTTL-time.Minute {
		t.Errorf("the new tier set lives %v (%v), want %v", ttl, err, TierBudgetTTL)
	}
}

// TestOutOfRange: times and durations the store cannot hold are refused
// with a *whatsapp.ValidationError before any call to Redis.
func TestOutOfRange(t *testing.T) {
	rdb := needRedis(t)
	ctx := ctxT(t)
	s := New(rdb, &Options{Prefix: testPrefix()})
	far := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
	var ve *whatsapp.ValidationError
	if _, err := s.Reserve(ctx, whatsapp.Usage{At: far, User: "u"}); !errors.As(err, &ve) || ve.Field != "usage.At" {
		t.Errorf("Reserve in 2500: %v, want a ValidationError on usage.At", err)
	}
	if _, err := s.Reserve(ctx, whatsapp.Usage{User: "u"}); !errors.As(err, &ve) {
		t.Errorf("Reserve at the zero time: %v, want a ValidationError", err)
	}
	if _, err := s.Reserve(ctx, whatsapp.Usage{At: t0, User: "u", Frequency: whatsapp.FrequencyCap{Limit: 1, Period: 100 * 365 * 24 * time.Hour}}); !errors.As(err, &ve) {
		t.Errorf("Reserve with a 100-year period: %v, want a ValidationError", err)
	}
	err := s.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactOptIn, User: "u", On: true, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactOptIn, User: "u", On: false, At: far})
	if !errors.As(err, &ve) || ve.Field != "facts[1].At" {
		t.Errorf("Record in 2500: %v, want a ValidationError on facts[1].At", err)
	}
	if st, err := s.Load(ctx, whatsapp.StateKey{User: "u"}); err != nil || st.OptIn != (whatsapp.Flag{}) {
		t.Errorf("after a refused Record: %+v, %v; want nothing recorded", st.OptIn, err)
	}
	// The bounds themselves hold, to the nanosecond.
	for _, at := range []time.Time{minTime, maxTime, time.Unix(0, -1), time.Unix(-1, 999999999), time.Unix(0, 0)} {
		if err := s.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactMarketingLimited, User: "b" + at.String(), At: at}); err != nil {
			t.Fatalf("Record at %v: %v", at, err)
		}
		st, err := s.Load(ctx, whatsapp.StateKey{User: "b" + at.String()})
		if err != nil || !st.MarketingLimitedUntil.Equal(at) {
			t.Fatalf("Load at %v: %v, %v", at, st.MarketingLimitedUntil, err)
		}
	}
}

func TestSplitJoin(t *testing.T) {
	for _, at := range []time.Time{t0, t0.Add(1), t0.Add(999), t0.Add(1000), time.Unix(0, -1), time.Unix(0, -1000), time.Unix(0, -1001), minTime, maxTime} {
		us, ns, ok := split(at)
		if !ok || ns < 0 || ns > 999 || !join(us, ns).Equal(at) {
			t.Errorf("split(%v) = %d, %d, %v; join gives %v", at, us, ns, ok, join(us, ns))
		}
		if got, err := parseTime(formatTime(us, ns)); err != nil || !got.Equal(at) {
			t.Errorf("parseTime(formatTime(%v)) = %v, %v", at, got, err)
		}
	}
	for _, at := range []time.Time{{}, minTime.Add(-1), maxTime.Add(1)} {
		if _, _, ok := split(at); ok {
			t.Errorf("split(%v) accepted", at)
		}
	}
	for _, s := range []string{"x", "1,", ",1", "1,1000", "1,-1", "a,b"} {
		if _, err := parseTime(s); err == nil {
			t.Errorf("parseTime(%q) accepted", s)
		}
	}
}
