// Package storetest checks an implementation of whatsapp.Store against the
// contract its documentation states. Every Store runs it from its tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func() whatsapp.Store { return mystore.New(...) })
//	}
//
// newStore must return an empty store each time it is called.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
)

// t0 is the suite's reference time; every test works forwards from it.
var t0 = time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)

// Run runs the conformance tests as subtests of t.
func Run(t *testing.T, newStore func() whatsapp.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, whatsapp.Store)
	}{
		{"LoadEmpty", testLoadEmpty},
		{"RecordWindow", testRecordWindow},
		{"RecordEntryPoint", testRecordEntryPoint},
		{"RecordLatest", testRecordLatest},
		{"RecordMarketingLimited", testRecordMarketingLimited},
		{"RecordTemplateLog", testRecordTemplateLog},
		{"RecordIgnored", testRecordIgnored},
		{"KeysIsolated", testKeysIsolated},
		{"ReserveThroughput", testReserveThroughput},
		{"ReservePair", testReservePair},
		{"ReserveTier", testReserveTier},
		{"ReserveFrequency", testReserveFrequency},
		{"ReserveAllOrNothing", testReserveAllOrNothing},
		{"ReserveTimeBackwards", testReserveTimeBackwards},
		{"Release", testRelease},
		{"ReleaseRepeatThenExpire", testReleaseRepeatThenExpire},
		{"ConcurrentTier", testConcurrentTier},
		{"ConcurrentThroughput", testConcurrentThroughput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore()
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

func load(t *testing.T, s whatsapp.Store, k whatsapp.StateKey) whatsapp.State {
	t.Helper()
	st, err := s.Load(ctx, k)
	if err != nil {
		t.Fatalf("Load(%+v): %v", k, err)
	}
	return st
}

func record(t *testing.T, s whatsapp.Store, facts ...whatsapp.Fact) {
	t.Helper()
	if err := s.Record(ctx, facts...); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func reserve(t *testing.T, s whatsapp.Store, u whatsapp.Usage) whatsapp.Grant {
	t.Helper()
	g, err := s.Reserve(ctx, u)
	if err != nil {
		t.Fatalf("Reserve(%+v): %v", u, err)
	}
	return g
}

func release(t *testing.T, s whatsapp.Store, g whatsapp.Grant) {
	t.Helper()
	if err := s.Release(ctx, g); err != nil {
		t.Fatalf("Release: %v", err)
	}
}

var key = whatsapp.StateKey{Phone: "1055", User: "15550001", Portfolio: "p1", Template: whatsapp.TemplateRef{Name: "promo", Language: "en_US"}}

func testLoadEmpty(t *testing.T, s whatsapp.Store) {
	st := load(t, s, key)
	if !st.Window.LastUserMessage.IsZero() || st.EntryPoint != (whatsapp.FreeEntryPoint{}) ||
		st.OptIn != (whatsapp.Flag{}) || st.MarketingOptOut != (whatsapp.Flag{}) ||
		!st.MarketingLimitedUntil.IsZero() || st.Tier != "" || st.Throughput != "" || len(st.TemplateEvents) != 0 {
		t.Fatalf("empty store: Load = %+v, want the zero State", st)
	}
}

func testRecordWindow(t *testing.T, s whatsapp.Store) {
	f := whatsapp.Fact{Kind: whatsapp.FactUserMessage, Phone: key.Phone, User: key.User}
	for _, at := range []time.Time{t0.Add(time.Hour), t0, t0.Add(3 * time.Hour), t0.Add(2 * time.Hour)} {
		f.At = at
		record(t, s, f)
	}
	st := load(t, s, key)
	if want := t0.Add(3 * time.Hour); !st.Window.LastUserMessage.Equal(want) {
		t.Fatalf("LastUserMessage = %v, want the max %v", st.Window.LastUserMessage, want)
	}
}

func testRecordEntryPoint(t *testing.T, s whatsapp.Store) {
	fact := func(kind whatsapp.FactKind, at time.Time) whatsapp.Fact {
		return whatsapp.Fact{Kind: kind, Phone: key.Phone, User: key.User, At: at}
	}
	// Each step is checked against the pure FreeEntryPoint methods.
	var want whatsapp.FreeEntryPoint
	steps := []whatsapp.Fact{
		fact(whatsapp.FactReply, t0),                                  // no referral: nothing
		fact(whatsapp.FactReferral, t0.Add(time.Hour)),                // referral
		fact(whatsapp.FactReferral, t0.Add(30*time.Minute)),           // older: ignored
		fact(whatsapp.FactReply, t0.Add(3*time.Hour)),                 // opens
		fact(whatsapp.FactReply, t0.Add(4*time.Hour)),                 // later reply: nothing
		fact(whatsapp.FactReply, t0.Add(2*time.Hour)),                 // earlier reply: moves back
		fact(whatsapp.FactReferral, t0.Add(10*time.Hour)),             // while open: ignored
		fact(whatsapp.FactReferral, t0.Add(2*time.Hour+72*time.Hour)), // after close: new wait
		fact(whatsapp.FactReply, t0.Add(2*time.Hour+100*time.Hour)),   // too late: nothing
	}
	for i, f := range steps {
		record(t, s, f)
		if f.Kind == whatsapp.FactReferral {
			want = want.RecordReferral(f.At)
		} else {
			want = want.RecordReply(f.At)
		}
		if got := load(t, s, key).EntryPoint; !got.ReferralAt.Equal(want.ReferralAt) || !got.OpenedAt.Equal(want.OpenedAt) {
			t.Fatalf("step %d (%v at t0+%v): EntryPoint = %+v, want %+v", i, f.Kind, f.At.Sub(t0), got, want)
		}
	}
}

func testRecordLatest(t *testing.T, s whatsapp.Store) {
	user := func(kind whatsapp.FactKind, on bool, at time.Time) whatsapp.Fact {
		return whatsapp.Fact{Kind: kind, User: key.User, On: on, At: at}
	}
	record(t, s,
		user(whatsapp.FactOptIn, true, t0.Add(2*time.Hour)),
		user(whatsapp.FactOptIn, false, t0.Add(time.Hour)), // older: loses
		user(whatsapp.FactMarketingOptOut, true, t0),
		user(whatsapp.FactMarketingOptOut, false, t0), // equal At: recorded last wins
		whatsapp.Fact{Kind: whatsapp.FactTier, Portfolio: key.Portfolio, Value: "TIER_2K", At: t0.Add(time.Hour)},
		whatsapp.Fact{Kind: whatsapp.FactTier, Portfolio: key.Portfolio, Value: "TIER_250", At: t0}, // older
		whatsapp.Fact{Kind: whatsapp.FactThroughput, Phone: key.Phone, Value: "HIGH", At: t0},
		whatsapp.Fact{Kind: whatsapp.FactThroughput, Phone: key.Phone, Value: "STANDARD", At: t0.Add(time.Minute)},
	)
	st := load(t, s, key)
	if want := (whatsapp.Flag{On: true, At: t0.Add(2 * time.Hour)}); !st.OptIn.At.Equal(want.At) || st.OptIn.On != want.On {
		t.Errorf("OptIn = %+v, want %+v", st.OptIn, want)
	}
	if st.MarketingOptOut.On || !st.MarketingOptOut.At.Equal(t0) {
		t.Errorf("MarketingOptOut = %+v, want off at t0 (equal times: last recorded wins)", st.MarketingOptOut)
	}
	if st.Tier != whatsapp.Tier2K || !st.TierAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("Tier = %q at %v, want TIER_2K at t0+1h", st.Tier, st.TierAt)
	}
	if st.Throughput != whatsapp.ThroughputStandard || !st.ThroughputAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("Throughput = %q at %v, want STANDARD at t0+1m", st.Throughput, st.ThroughputAt)
	}
}

func testRecordMarketingLimited(t *testing.T, s whatsapp.Store) {
	f := whatsapp.Fact{Kind: whatsapp.FactMarketingLimited, User: key.User}
	for _, at := range []time.Time{t0.Add(24 * time.Hour), t0.Add(time.Hour)} {
		f.At = at
		record(t, s, f)
	}
	if got := load(t, s, key).MarketingLimitedUntil; !got.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("MarketingLimitedUntil = %v, want the max t0+24h", got)
	}
}

func testRecordTemplateLog(t *testing.T, s whatsapp.Store) {
	ev := func(event, detail string, at time.Time) whatsapp.Fact {
		return whatsapp.Fact{Kind: whatsapp.FactTemplate, Template: key.Template, Value: event, Detail: detail, At: at}
	}
	record(t, s,
		ev("PAUSED", "FIRST_PAUSE", t0.Add(time.Hour)),
		ev("FLAGGED", "", t0),
		ev("APPROVED", "UNPAUSE", t0.Add(4*time.Hour)),
		ev("QUALITY_UPDATE", "RED", t0.Add(time.Hour)), // equal At: after the pause
	)
	got := load(t, s, key).TemplateEvents
	want := []string{"FLAGGED", "PAUSED", "QUALITY_UPDATE", "APPROVED"}
	if len(got) != len(want) {
		t.Fatalf("TemplateEvents = %+v, want events %v", got, want)
	}
	for i := range want {
		if got[i].Event != want[i] {
			t.Fatalf("TemplateEvents[%d] = %+v, want event %s (time order, equal times as recorded)", i, got[i], want[i])
		}
	}
	if got[1].Detail != "FIRST_PAUSE" || !got[1].At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("TemplateEvents[1] = %+v", got[1])
	}
	// Another template, and the same name in another language, hold nothing.
	other := key
	other.Template.Language = "es"
	if evs := load(t, s, other).TemplateEvents; len(evs) != 0 {
		t.Fatalf("another language holds %d events", len(evs))
	}
	// A redelivered event (same event, detail and time) is not logged
	// twice.
	record(t, s, ev("PAUSED", "FIRST_PAUSE", t0.Add(time.Hour)))
	if n := len(load(t, s, key).TemplateEvents); n != len(want) {
		t.Fatalf("after a redelivery: %d events, want %d", n, len(want))
	}
	// The log keeps the newest MaxTemplateEvents.
	for i := 0; i < whatsapp.MaxTemplateEvents+5; i++ {
		record(t, s, ev("FLAGGED", fmt.Sprint(i), t0.Add(time.Duration(10+i)*time.Hour)))
	}
	got = load(t, s, key).TemplateEvents
	if len(got) != whatsapp.MaxTemplateEvents {
		t.Fatalf("%d events kept, want %d", len(got), whatsapp.MaxTemplateEvents)
	}
	if last := got[len(got)-1]; last.Detail != fmt.Sprint(whatsapp.MaxTemplateEvents+4) {
		t.Fatalf("newest event = %+v", last)
	}
}

func testRecordIgnored(t *testing.T, s whatsapp.Store) {
	record(t, s,
		whatsapp.Fact{Kind: whatsapp.FactUserMessage, Phone: key.Phone, User: key.User}, // zero At
		whatsapp.Fact{Kind: whatsapp.FactKind(200), Phone: key.Phone, User: key.User, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactOptIn, User: key.User, On: true}, // zero At
	)
	testLoadEmpty(t, s)
}

func testKeysIsolated(t *testing.T, s whatsapp.Store) {
	record(t, s,
		whatsapp.Fact{Kind: whatsapp.FactUserMessage, Phone: key.Phone, User: key.User, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactOptIn, User: key.User, On: true, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactTier, Portfolio: key.Portfolio, Value: "TIER_2K", At: t0},
		whatsapp.Fact{Kind: whatsapp.FactThroughput, Phone: key.Phone, Value: "HIGH", At: t0},
	)
	// The window belongs to the pair; opt-in to the user, whatever the
	// number.
	otherPhone := whatsapp.StateKey{Phone: "2077", User: key.User, Portfolio: "p2"}
	st := load(t, s, otherPhone)
	if !st.Window.LastUserMessage.IsZero() || st.Tier != "" || st.Throughput != "" {
		t.Fatalf("another number and portfolio see %+v", st)
	}
	if !st.OptIn.On {
		t.Fatal("opt-in is per user: another number must see it")
	}
	otherUser := whatsapp.StateKey{Phone: key.Phone, User: "15550002", Portfolio: key.Portfolio}
	st = load(t, s, otherUser)
	if !st.Window.LastUserMessage.IsZero() || st.OptIn.On {
		t.Fatalf("another user sees %+v", st)
	}
	if st.Tier != whatsapp.Tier2K || st.Throughput != whatsapp.ThroughputHigh {
		t.Fatalf("another user of the same number and portfolio: tier %q throughput %q", st.Tier, st.Throughput)
	}
}

func testReserveThroughput(t *testing.T, s whatsapp.Store) {
	u := whatsapp.Usage{At: t0, Phone: key.Phone, Throughput: 80}
	burst := whatsapp.ThroughputBurst(80)
	for i := 0; i < burst; i++ {
		u.User = fmt.Sprint(i)
		if g := reserve(t, s, u); !g.OK {
			t.Fatalf("send %d of the burst of %d refused: %+v", i+1, burst, g)
		}
	}
	u.User = "x"
	g := reserve(t, s, u)
	if g.OK || g.Refused != whatsapp.QuotaThroughput {
		t.Fatalf("send past the burst: %+v, want refused by throughput", g)
	}
	if d := g.RetryAt.Sub(t0); d < 12*time.Millisecond || d > 13*time.Millisecond {
		t.Fatalf("RetryAt = t0+%v, want t0+12.5ms (1/80 s)", d)
	}
	u.At = g.RetryAt
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("refused at its own RetryAt: %+v", g)
	}
	// Another number has its own bucket.
	u.Phone, u.At = "2077", t0
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("another number refused: %+v", g)
	}
	// A new rate applies at once; the bucket keeps the tokens it held
	// (capped by the old burst until the change).
	u.Phone, u.At, u.Throughput = key.Phone, t0.Add(time.Second), 1000
	if n := drain(t, s, u); n != burst {
		t.Fatalf("at the change to 1000 mps, %d admitted at once, want the %d tokens held", n, burst)
	}
	u.At = u.At.Add(10 * time.Millisecond)
	if n := drain(t, s, u); n != 10 {
		t.Fatalf("10 ms later at 1000 mps, %d admitted, want 10", n)
	}
}

// drain reserves u until refused and returns how many were admitted.
func drain(t *testing.T, s whatsapp.Store, u whatsapp.Usage) int {
	t.Helper()
	n := 0
	for reserve(t, s, u).OK {
		n++
		if n > 100000 {
			t.Fatal("no limit")
		}
	}
	return n
}

func testReservePair(t *testing.T, s whatsapp.Store) {
	rule := &whatsapp.PairLimit{}
	u := whatsapp.Usage{At: t0, Phone: key.Phone, User: key.User, Pair: rule}
	for i := 0; i < 20; i++ {
		u.At = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		if g := reserve(t, s, u); !g.OK {
			t.Fatalf("burst message %d refused: %+v", i+1, g)
		}
	}
	u.At = t0.Add(10 * time.Second)
	g := reserve(t, s, u)
	if g.OK || g.Refused != whatsapp.QuotaPair || !g.RetryAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after a burst of 20: %+v, want refused by pair until t0+2m", g)
	}
	other := u
	other.User = "15550002"
	if g := reserve(t, s, other); !g.OK {
		t.Fatalf("another recipient refused: %+v", g)
	}
	u.At = t0.Add(2 * time.Minute)
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("refused at t0+2m: %+v", g)
	}
}

func testReserveTier(t *testing.T, s whatsapp.Store) {
	u := whatsapp.Usage{Phone: key.Phone, Portfolio: key.Portfolio, Tier: 3}
	for i, user := range []string{"a", "b", "c"} {
		u.User, u.At = user, t0.Add(time.Duration(i)*time.Hour)
		g := reserve(t, s, u)
		if !g.OK || !g.TierCounted || !g.TierAt.Equal(u.At) || !g.TierPrev.IsZero() {
			t.Fatalf("user %s: %+v", user, g)
		}
	}
	// A repeat is admitted, not counted twice, and moves the user's time.
	u.User, u.At = "a", t0.Add(3*time.Hour)
	g := reserve(t, s, u)
	if !g.OK || !g.TierAt.Equal(t0.Add(3*time.Hour)) || !g.TierPrev.Equal(t0) {
		t.Fatalf("repeat to a: %+v, want admitted, TierAt t0+3h, TierPrev t0", g)
	}
	// A fourth user is refused until b (the earliest, now) leaves.
	u.User, u.At = "d", t0.Add(4*time.Hour)
	g = reserve(t, s, u)
	if g.OK || g.Refused != whatsapp.QuotaTier || !g.RetryAt.Equal(t0.Add(time.Hour+whatsapp.TierWindow)) {
		t.Fatalf("fourth user: %+v, want refused by tier until t0+25h", g)
	}
	u.At = t0.Add(time.Hour + whatsapp.TierWindow - time.Nanosecond)
	if g := reserve(t, s, u); g.OK {
		t.Fatal("fourth user admitted before b left the 24 hours")
	}
	u.At = t0.Add(time.Hour + whatsapp.TierWindow)
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("fourth user refused once b left: %+v", g)
	}
	// Another portfolio has its own budget; a negative Tier counts without
	// a limit.
	u.Portfolio, u.User = "p2", "e"
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("another portfolio refused: %+v", g)
	}
	u.Portfolio, u.Tier = key.Portfolio, -1
	for i := 0; i < 10; i++ {
		u.User = fmt.Sprint("n", i)
		if g := reserve(t, s, u); !g.OK || !g.TierCounted {
			t.Fatalf("negative Tier refused or did not count: %+v", g)
		}
	}
	u.Tier, u.User = 3, "f"
	if g := reserve(t, s, u); g.OK {
		t.Fatal("users counted under a negative Tier did not count against a later limit")
	}
}

func testReserveFrequency(t *testing.T, s whatsapp.Store) {
	week := 7 * 24 * time.Hour
	u := whatsapp.Usage{Phone: key.Phone, User: key.User, Frequency: whatsapp.FrequencyCap{Limit: 2, Period: week}}
	var seqs []uint64
	for i := 0; i < 2; i++ {
		u.At = t0.Add(time.Duration(i) * time.Hour)
		g := reserve(t, s, u)
		if !g.OK || g.Seq == 0 {
			t.Fatalf("send %d: %+v, want admitted with a Seq", i+1, g)
		}
		seqs = append(seqs, g.Seq)
	}
	if seqs[0] == seqs[1] {
		t.Fatal("two grants share a Seq")
	}
	u.At = t0.Add(2 * time.Hour)
	g := reserve(t, s, u)
	if g.OK || g.Refused != whatsapp.QuotaFrequency || !g.RetryAt.Equal(t0.Add(week)) {
		t.Fatalf("third send: %+v, want refused by frequency until t0+7d", g)
	}
	u.At = t0.Add(week)
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("refused once the first left the period: %+v", g)
	}
	// Another user is not capped.
	u.User, u.At = "15550002", t0.Add(2*time.Hour)
	if g := reserve(t, s, u); !g.OK {
		t.Fatalf("another user refused: %+v", g)
	}
}

func testReserveAllOrNothing(t *testing.T, s whatsapp.Store) {
	// Fill the pair limit of user a.
	rule := &whatsapp.PairLimit{Burst: 1}
	pairOnly := whatsapp.Usage{At: t0, Phone: key.Phone, User: "a", Pair: rule}
	if g := reserve(t, s, pairOnly); !g.OK {
		t.Fatalf("first pair send refused: %+v", g)
	}
	// A send to a that would pass tier, frequency and throughput but not
	// the pair limit must count nothing.
	all := whatsapp.Usage{At: t0.Add(time.Second), Phone: key.Phone, User: "a", Portfolio: key.Portfolio,
		Throughput: 1, Pair: rule, Tier: 1, Frequency: whatsapp.FrequencyCap{Limit: 1, Period: time.Hour}}
	g := reserve(t, s, all)
	if g.OK || g.Refused != whatsapp.QuotaPair || !g.RetryAt.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("pair-refused send: %+v, want refused by pair until t0+6s", g)
	}
	// Nothing was counted: b fits the tier of 1, a's frequency is free,
	// and the throughput token (1 per second, burst 1) is unspent.
	if g := reserve(t, s, whatsapp.Usage{At: t0.Add(time.Second), Phone: key.Phone, User: "b", Portfolio: key.Portfolio, Tier: 1}); !g.OK {
		t.Fatalf("tier counted the refused send: %+v", g)
	}
	if g := reserve(t, s, whatsapp.Usage{At: t0.Add(time.Second), Phone: key.Phone, User: "a", Frequency: all.Frequency}); !g.OK {
		t.Fatalf("frequency counted the refused send: %+v", g)
	}
	if g := reserve(t, s, whatsapp.Usage{At: t0.Add(time.Second), Phone: key.Phone, User: "c", Throughput: 1}); !g.OK {
		t.Fatalf("throughput counted the refused send: %+v", g)
	}
	// Several refusals: Refused is the first in order, RetryAt the latest.
	all.At = t0.Add(2 * time.Second)
	all.User = "a"
	g = reserve(t, s, all)
	if g.OK || g.Refused != whatsapp.QuotaFrequency {
		t.Fatalf("frequency, tier and pair refuse: %+v, want Refused = frequency", g)
	}
	if want := t0.Add(time.Second + whatsapp.TierWindow); !g.RetryAt.Equal(want) {
		t.Fatalf("RetryAt = %v, want the latest retry %v (tier)", g.RetryAt, want)
	}
}

func testReserveTimeBackwards(t *testing.T, s whatsapp.Store) {
	// Throughput: spending the burst at t0+1s and then asking at t0 must
	// not refill the bucket.
	u := whatsapp.Usage{At: t0.Add(time.Second), Phone: key.Phone, User: key.User, Throughput: 10}
	for reserve(t, s, u).OK {
	}
	u.At = t0
	reserve(t, s, u)
	u.At = t0.Add(time.Second)
	if g := reserve(t, s, u); g.OK {
		t.Fatal("throughput: time going backwards refilled the bucket")
	}
	// Tier: once the budget has seen t0+30h, a user counted at t0+1h has
	// left it even for a late request stamped t0+2h.
	tier := whatsapp.Usage{Phone: key.Phone, Portfolio: key.Portfolio, Tier: 1}
	tier.User, tier.At = "a", t0.Add(time.Hour)
	reserve(t, s, tier)
	tier.User, tier.At = "b", t0.Add(30*time.Hour)
	if g := reserve(t, s, tier); !g.OK {
		t.Fatalf("b at t0+30h: %+v", g)
	}
	tier.User, tier.At = "c", t0.Add(2*time.Hour)
	g := reserve(t, s, tier)
	if g.OK {
		t.Fatal("c stamped in the past admitted over the limit")
	}
	if !g.RetryAt.Equal(t0.Add(30*time.Hour + whatsapp.TierWindow)) {
		t.Fatalf("c: RetryAt = %v, want t0+54h", g.RetryAt)
	}
}

func testRelease(t *testing.T, s whatsapp.Store) {
	u := whatsapp.Usage{At: t0, Phone: key.Phone, User: "a", Portfolio: key.Portfolio, Tier: 1,
		Frequency: whatsapp.FrequencyCap{Limit: 1, Period: 24 * time.Hour}}
	g := reserve(t, s, u)
	if !g.OK {
		t.Fatalf("first send refused: %+v", g)
	}
	release(t, s, g)
	release(t, s, g) // twice: nothing more
	// Both quotas are back: a may be sent again and b fits the tier once a
	// is released again.
	g2 := reserve(t, s, u)
	if !g2.OK {
		t.Fatalf("after release, the same send is refused: %+v", g2)
	}
	release(t, s, g2)
	b := u
	b.User = "b"
	gb := reserve(t, s, b)
	if !gb.OK {
		t.Fatalf("b refused after a was released: %+v", gb)
	}
	// A refused grant releases nothing.
	ga := reserve(t, s, u)
	if ga.OK {
		t.Fatal("a admitted over the tier of 1")
	}
	release(t, s, ga)
	if g := reserve(t, s, u); g.OK {
		t.Fatal("releasing a refused grant gave something back")
	}
	// Releasing a repeat restores the user's earlier time, and a later send
	// keeps its own time.
	rep := b
	rep.At = t0.Add(time.Hour)
	rep.Frequency = whatsapp.FrequencyCap{}
	gr := reserve(t, s, rep)
	if !gr.OK || !gr.TierPrev.Equal(t0) {
		t.Fatalf("repeat to b: %+v", gr)
	}
	later := rep
	later.At = t0.Add(2 * time.Hour)
	gl := reserve(t, s, later)
	release(t, s, gr) // b's time is now t0+2h: unchanged
	probe := whatsapp.Usage{At: t0.Add(2*time.Hour + whatsapp.TierWindow - time.Nanosecond), Phone: key.Phone, User: "z", Portfolio: key.Portfolio, Tier: 1}
	if g := reserve(t, s, probe); g.OK {
		t.Fatalf("releasing an older grant undid a later send (later grant %+v)", gl)
	}
}

func testConcurrentTier(t *testing.T, s whatsapp.Store) {
	const limit, users, workers = 250, 1000, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := map[string]bool{}
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < users*2; i += workers {
				user := fmt.Sprint("u", i%users)
				g, err := s.Reserve(ctx, whatsapp.Usage{At: t0, Phone: key.Phone, User: user, Portfolio: key.Portfolio, Tier: limit})
				if err != nil {
					errs <- err
					return
				}
				if g.OK {
					mu.Lock()
					admitted[user] = true
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(admitted) != limit {
		t.Fatalf("%d distinct users admitted concurrently against a tier of %d", len(admitted), limit)
	}
}

func testConcurrentThroughput(t *testing.T, s whatsapp.Store) {
	const workers, each = 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				g, err := s.Reserve(ctx, whatsapp.Usage{At: t0, Phone: key.Phone, User: fmt.Sprint(w, "-", i), Throughput: 80})
				if err == nil && g.OK {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	if want := whatsapp.ThroughputBurst(80); n != want {
		t.Fatalf("%d sends admitted at one instant by concurrent callers, want the burst %d", n, want)
	}
}

// testReleaseRepeatThenExpire: releasing a repeat send restores the user's
// earlier time, and the user must still stop counting TierWindow after it.
func testReleaseRepeatThenExpire(t *testing.T, s whatsapp.Store) {
	u := func(user string, at time.Time) whatsapp.Usage {
		return whatsapp.Usage{At: at, Phone: "1055", User: user, Tier: 2}
	}
	reserve(t, s, u("a", t0))
	reserve(t, s, u("b", t0.Add(time.Hour)))
	repeat := reserve(t, s, u("a", t0.Add(2*time.Hour)))
	if g := reserve(t, s, u("c", t0.Add(3*time.Hour))); g.OK {
		t.Fatal("c admitted over a tier of 2")
	}
	if err := s.Release(ctx, repeat); err != nil {
		t.Fatalf("Release: %v", err)
	}
	// At t0+26h both a (back to t0) and b (t0+1h) have left the window.
	if g := reserve(t, s, u("d", t0.Add(26*time.Hour))); !g.OK {
		t.Fatalf("d refused: %+v", g)
	}
	if g := reserve(t, s, u("e", t0.Add(26*time.Hour))); !g.OK {
		t.Errorf("e refused although only d counts: %+v", g)
	}
}
