package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
)

// TestMatchesMemoryStore drives the Redis store and the MemoryStore (the
// reference implementation of the Store contract) with the same random
// operations, and requires the same answers: every Grant field, every
// loaded State, to the nanosecond. The times move forward by steps from a
// nanosecond to a day and a half, and sometimes back; the throughput rate
// changes; grants are released out of order. This checks the Lua
// arithmetic (time pairs, the float token bucket, the pair debt, the
// moving 24 hours) where the conformance suite checks the contract.
func TestMatchesMemoryStore(t *testing.T) {
	rdb := needRedis(t)
	for _, perPortfolio := range []bool{false, true} {
		for seed := uint64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprintf("SlotPerPortfolio=%v/seed%d", perPortfolio, seed), func(t *testing.T) {
				t.Parallel()
				matchMemoryStore(t, New(rdb, &Options{Prefix: testPrefix(), SlotPerPortfolio: perPortfolio}), perPortfolio, seed, 1500)
			})
		}
	}
}

// matchMemoryStore runs n random operations on red and on a MemoryStore
// and fails t at the first different answer.
func matchMemoryStore(t *testing.T, red whatsapp.Store, perPortfolio bool, seed uint64, n int) {
	m := &matcher{
		t:       t,
		rnd:     rand.New(rand.NewPCG(seed, 99)),
		mem:     whatsapp.NewMemoryStore(),
		red:     red,
		now:     time.Date(2025, 3, 3, 12, 0, 0, int(seed)*7919, time.UTC),
		per:     perPortfolio,
		refused: map[whatsapp.Quota]int{},
	}
	for i := 0; i < n; i++ {
		m.step(i)
	}
	for q := whatsapp.QuotaFrequency; q <= whatsapp.QuotaThroughput; q++ {
		if m.refused[q] == 0 {
			t.Errorf("no send refused by %v in %d refusals, %d admissions: the random walk misses a rule", q, len(m.refused), m.admitted)
		}
	}
	t.Logf("%d admitted, refused: %v", m.admitted, m.refused)
}

type matcher struct {
	t        *testing.T
	rnd      *rand.Rand
	mem, red whatsapp.Store
	now      time.Time
	per      bool // SlotPerPortfolio: each phone and user belongs to one portfolio
	grants   [][2]whatsapp.Grant
	admitted int
	refused  map[whatsapp.Quota]int
}

var (
	matchPhones    = []string{"1055", "2077", "1"}
	matchUsers     = []string{"15550001", "15550002", "15550003", "15550004", "155500010", "x{y}"}
	matchPortfolio = []string{"", "p1", "p{2}"}
	matchRates     = []int{0, 1, 5, 80, 1000}
	matchTiers     = []int{0, 0, -1, 1, 2, 3}
	matchPairs     = []*whatsapp.PairLimit{nil, {}, {Burst: 3, Interval: 2 * time.Second, BurstWindow: time.Second}, {Burst: 1, Interval: 5 * time.Second}, {Burst: 1, Interval: 5 * time.Second}}
	matchCaps      = []whatsapp.FrequencyCap{{}, {Limit: 1, Period: time.Hour}, {Limit: 2, Period: 3 * time.Hour}}
	matchTemplates = []whatsapp.TemplateRef{{Name: "promo", Language: "en_US"}, {Name: "promo", Language: "es"}}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// advance moves the clock: mostly small steps, sometimes large, sometimes
// back.
func (m *matcher) advance() {
	r := m.rnd
	switch n := r.IntN(100); {
	case n < 10: // same instant
	case n < 20:
		m.now = m.now.Add(time.Duration(r.IntN(1000))) // nanoseconds
	case n < 70:
		m.now = m.now.Add(time.Duration(r.Int64N(int64(300 * time.Millisecond))))
	case n < 85:
		m.now = m.now.Add(time.Duration(r.Int64N(int64(10 * time.Second))))
	case n < 93:
		m.now = m.now.Add(time.Duration(r.Int64N(int64(36 * time.Hour))))
	default:
		m.now = m.now.Add(-time.Duration(r.Int64N(int64(2 * time.Hour))))
	}
}

func (m *matcher) usage() whatsapp.Usage {
	r := m.rnd
	u := whatsapp.Usage{
		At: m.now, Phone: pick(r, matchPhones), User: pick(r, matchUsers), Portfolio: pick(r, matchPortfolio),
		Throughput: pick(r, matchRates), Tier: pick(r, matchTiers), Pair: pick(r, matchPairs), Frequency: pick(r, matchCaps),
	}
	if m.per {
		// The phone decides the portfolio, and the users of portfolios
		// are apart, as with a Guard whose Policy.Portfolio maps numbers
		// to portfolios and whose users are each reached by one business.
		i := r.IntN(len(matchPhones))
		u.Phone, u.Portfolio = matchPhones[i], matchPortfolio[i]
		u.User = u.Portfolio + "/" + u.User
	}
	return u
}

func (m *matcher) step(i int) {
	t, r := m.t, m.rnd
	ctx := context.Background()
	m.advance()
	switch n := r.IntN(100); {
	case n < 65:
		u := m.usage()
		gm, err := m.mem.Reserve(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		gr, err := m.red.Reserve(ctx, u)
		if err != nil {
			t.Fatalf("op %d: Reserve(%+v): %v", i, u, err)
		}
		if d := grantDiff(gm, gr); d != "" {
			t.Fatalf("op %d: Reserve(%s): %s", i, usageString(u, m.now), d)
		}
		if gm.OK {
			m.admitted++
			m.grants = append(m.grants, [2]whatsapp.Grant{gm, gr})
		} else {
			m.refused[gm.Refused]++
		}
	case n < 75:
		if len(m.grants) == 0 {
			return
		}
		j := r.IntN(len(m.grants))
		g := m.grants[j]
		if !g[0].TierPrev.IsZero() {
			// MemoryStore never expires a user whose repeat was released
			// after its budget entry moved up to the repeat's time (see
			// TestReleaseRepeatThenExpire): it is not a reference there.
			return
		}
		if err := m.mem.Release(ctx, g[0]); err != nil {
			t.Fatal(err)
		}
		if err := m.red.Release(ctx, g[1]); err != nil {
			t.Fatalf("op %d: Release: %v", i, err)
		}
		if r.IntN(2) == 0 { // keep some, to release twice
			m.grants = append(m.grants[:j], m.grants[j+1:]...)
		}
	case n < 92:
		var facts []whatsapp.Fact
		for range 1 + r.IntN(3) {
			facts = append(facts, m.fact())
		}
		if err := m.mem.Record(ctx, facts...); err != nil {
			t.Fatal(err)
		}
		if err := m.red.Record(ctx, facts...); err != nil {
			t.Fatalf("op %d: Record(%+v): %v", i, facts, err)
		}
	default:
		u := m.usage()
		k := whatsapp.StateKey{Phone: u.Phone, User: u.User, Portfolio: u.Portfolio, Template: pick(r, append(matchTemplates, whatsapp.TemplateRef{}))}
		sm, err := m.mem.Load(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		sr, err := m.red.Load(ctx, k)
		if err != nil {
			t.Fatalf("op %d: Load: %v", i, err)
		}
		if d := stateDiff(sm, sr); d != "" {
			t.Fatalf("op %d: Load(%+v): %s", i, k, d)
		}
	}
}

func (m *matcher) fact() whatsapp.Fact {
	r := m.rnd
	u := m.usage()
	at := m.now.Add(time.Duration(r.Int64N(int64(100*time.Hour))) - 50*time.Hour)
	if r.IntN(20) == 0 {
		at = time.Time{}
	}
	return whatsapp.Fact{
		Kind: whatsapp.FactKind(r.IntN(11)), At: at, Phone: u.Phone, User: u.User, Portfolio: u.Portfolio,
		Template: pick(r, matchTemplates), On: r.IntN(2) == 0,
		Value:  pick(r, []string{"TIER_250", "TIER_2K", "HIGH", "STANDARD", "PAUSED", "APPROVED"}),
		Detail: pick(r, []string{"", "FIRST_PAUSE", "a:b"}),
	}
}

func usageString(u whatsapp.Usage, now time.Time) string {
	return fmt.Sprintf("%s phone %s user %s portfolio %q throughput %d tier %d pair %v frequency %+v",
		u.At.Format(time.RFC3339Nano), u.Phone, u.User, u.Portfolio, u.Throughput, u.Tier, u.Pair, u.Frequency)
}

func grantDiff(want, got whatsapp.Grant) string {
	if want.OK != got.OK || want.Refused != got.Refused || !want.RetryAt.Equal(got.RetryAt) ||
		want.TierCounted != got.TierCounted || !want.TierAt.Equal(got.TierAt) || !want.TierPrev.Equal(got.TierPrev) ||
		(want.Seq == 0) != (got.Seq == 0) {
		return fmt.Sprintf("got  OK %v refused %v retry %v tier %v at %v prev %v seq %d\nwant OK %v refused %v retry %v tier %v at %v prev %v seq %d",
			got.OK, got.Refused, got.RetryAt, got.TierCounted, got.TierAt, got.TierPrev, got.Seq,
			want.OK, want.Refused, want.RetryAt, want.TierCounted, want.TierAt, want.TierPrev, want.Seq)
	}
	return ""
}

func stateDiff(want, got whatsapp.State) string {
	eq := want.Window.LastUserMessage.Equal(got.Window.LastUserMessage) &&
		want.EntryPoint.ReferralAt.Equal(got.EntryPoint.ReferralAt) && want.EntryPoint.OpenedAt.Equal(got.EntryPoint.OpenedAt) &&
		want.OptIn.On == got.OptIn.On && want.OptIn.At.Equal(got.OptIn.At) &&
		want.MarketingOptOut.On == got.MarketingOptOut.On && want.MarketingOptOut.At.Equal(got.MarketingOptOut.At) &&
		want.MarketingLimitedUntil.Equal(got.MarketingLimitedUntil) &&
		want.Tier == got.Tier && want.TierAt.Equal(got.TierAt) &&
		want.Throughput == got.Throughput && want.ThroughputAt.Equal(got.ThroughputAt) &&
		len(want.TemplateEvents) == len(got.TemplateEvents)
	for i := 0; eq && i < len(want.TemplateEvents); i++ {
		w, g := want.TemplateEvents[i], got.TemplateEvents[i]
		eq = w.Event == g.Event && w.Detail == g.Detail && w.At.Equal(g.At)
	}
	if eq {
		return ""
	}
	return fmt.Sprintf("got  %+v\nwant %+v", got, want)
}

// TestThroughputRoundingMatchesMemoryStore replays sends spaced by a
// token's worth of time, truncated to the nanosecond: the bucket then
// holds 0.999999999... tokens, and x/time/rate admits a send whose wait
// rounds to zero nanoseconds. The Redis store must decide the same, at
// rates whose period is not a whole number of nanoseconds, across rate
// changes.
func TestThroughputRoundingMatchesMemoryStore(t *testing.T) {
	rdb := needRedis(t)
	ctx := context.Background()
	t0 := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)
	for _, rates := range [][]int{{3}, {7}, {9}, {11}, {13}, {30}, {333}, {3, 7}, {7, 3}, {1000, 3}, {3, 1000, 7}} {
		t.Run(fmt.Sprint(rates), func(t *testing.T) {
			mem, red := whatsapp.NewMemoryStore(), New(rdb, &Options{Prefix: testPrefix()})
			at := t0
			edges := 0
			for i := 0; i < 60; i++ {
				rate := rates[i*len(rates)/60]
				period := time.Second / time.Duration(rate)
				switch i % 3 {
				case 0:
					at = at.Add(period) // a whole token, truncated
				case 1:
					at = at.Add(period - 1)
				case 2:
					at = at.Add(period + 1)
				}
				u := whatsapp.Usage{At: at, Phone: "1055", User: "15550001", Throughput: rate}
				gm, _ := mem.Reserve(ctx, u)
				gr, err := red.Reserve(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				if d := grantDiff(gm, gr); d != "" {
					t.Fatalf("send %d at rate %d, t0+%v: %s", i, rate, at.Sub(t0), d)
				}
				if i%3 == 0 && gm.OK {
					edges++
				}
			}
			if edges == 0 {
				t.Fatal("no send admitted at a truncated token's time: the case is not exercised")
			}
		})
	}
}
