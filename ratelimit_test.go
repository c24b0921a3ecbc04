package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

var rulesT0 = time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)

func TestThroughputLevels(t *testing.T) {
	tests := []struct {
		level ThroughputLevel
		mps   int
	}{
		{ThroughputStandard, 80},
		{ThroughputCoexistence, 20},
		{ThroughputHigh, 1000},
	}
	for _, tt := range tests {
		t.Run(string(tt.level), func(t *testing.T) {
			var l Throughput
			l.SetLevel("1055", tt.level)
			burst := ThroughputBurst(tt.mps)
			for i := 0; i < burst; i++ {
				if ok, _ := l.AllowAt("1055", rulesT0); !ok {
					t.Fatalf("message %d of the burst refused", i+1)
				}
			}
			ok, retryAt := l.AllowAt("1055", rulesT0)
			if ok {
				t.Fatal("message beyond the burst allowed")
			}
			interval := time.Second / time.Duration(tt.mps)
			if got := retryAt.Sub(rulesT0); got < interval-time.Microsecond || got > interval+time.Microsecond {
				t.Fatalf("retryAt = t0+%v, want t0+%v (1/%d s)", got, interval, tt.mps)
			}
			if ok, _ := l.AllowAt("1055", retryAt); !ok {
				t.Fatal("refused at its own retryAt")
			}
			// Another number is unaffected.
			if ok, _ := l.AllowAt("2077", rulesT0); !ok {
				t.Fatal("another number refused")
			}
		})
	}
}

func TestThroughputZeroValueIsStandard(t *testing.T) {
	var l Throughput
	n := 0
	for i := 0; i < 1000; i++ {
		if ok, _ := l.AllowAt("1055", rulesT0); ok {
			n++
		}
	}
	if n != ThroughputBurst(80) {
		t.Fatalf("zero value allowed %d at once, want the burst %d", n, ThroughputBurst(80))
	}
}

func TestThroughputTimeBackwards(t *testing.T) {
	var l Throughput
	// Drain the bucket at t0+1s, then ask at t0 and again at t0+1s: going
	// back in time must not refill it.
	for {
		if ok, _ := l.AllowAt("1055", rulesT0.Add(time.Second)); !ok {
			break
		}
	}
	l.AllowAt("1055", rulesT0)
	if ok, _ := l.AllowAt("1055", rulesT0.Add(time.Second)); ok {
		t.Fatal("time going backwards refilled the bucket")
	}
}

// rulesSimulateThroughput offers offered msg/s for d of fake time to a
// limiter at level and returns the admitted count.
func rulesSimulateThroughput(level ThroughputLevel, offered int, d time.Duration) int {
	var l Throughput
	l.SetLevel("1055", level)
	step := time.Second / time.Duration(offered)
	admitted := 0
	for at := rulesT0; at.Before(rulesT0.Add(d)); at = at.Add(step) {
		if ok, _ := l.AllowAt("1055", at); ok {
			admitted++
		}
	}
	return admitted
}

// TestThroughputAccuracy: offered 1,000 msg/s for 60 s of fake time
// against the documented limits, the admitted rate is within 1% of the
// limit.
func TestThroughputAccuracy(t *testing.T) {
	tests := []struct {
		level   ThroughputLevel
		offered int
	}{
		{ThroughputStandard, 1000},
		{ThroughputCoexistence, 1000},
		{ThroughputHigh, 5000},
	}
	for _, tt := range tests {
		t.Run(string(tt.level), func(t *testing.T) {
			admitted := rulesSimulateThroughput(tt.level, tt.offered, time.Minute)
			rate := float64(admitted) / 60
			limit := float64(tt.level.MessagesPerSecond())
			if dev := math.Abs(rate-limit) / limit; dev > 0.01 {
				t.Fatalf("admitted %.2f msg/s against %v: %.2f%% off", rate, limit, dev*100)
			}
		})
	}
}

func TestThroughputWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l Throughput
		l.SetLevel("1055", ThroughputCoexistence) // 20 mps, burst 2
		start := time.Now()
		for i := 0; i < 2+20; i++ {
			if err := l.Wait(context.Background(), "1055"); err != nil {
				t.Fatal(err)
			}
		}
		// 2 at once, then 20 more at 20 per second: one second.
		if got := time.Since(start); got != time.Second {
			t.Fatalf("22 messages took %v, want 1s", got)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx, "1055"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait with a short deadline = %v", err)
		}
		// The cancelled wait gave its slot back: the next one is 50 ms
		// after the last admitted message, not 100 ms.
		before := time.Now()
		if err := l.Wait(context.Background(), "1055"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(before); got != 40*time.Millisecond {
			t.Fatalf("after a cancelled wait, the next took %v, want 40ms", got)
		}
	})
}

// TestPairLimitDocumented checks the pair rule against the document's own
// numbers: 1 message / 6 s; a burst of up to 45 within 6 s; a burst of 20
// means 2 minutes before the next.
func TestPairLimitDocumented(t *testing.T) {
	t.Run("one every 6 seconds", func(t *testing.T) {
		var l PairLimiter
		for i := 0; i < 600; i++ { // an hour
			if ok, _ := l.AllowAt("1055", "15550001", rulesT0.Add(time.Duration(i)*6*time.Second)); !ok {
				t.Fatalf("message %d at 6 s spacing refused", i)
			}
		}
	})
	t.Run("burst of 20 then 2 minutes", func(t *testing.T) {
		var l PairLimiter
		for i := 0; i < 20; i++ {
			if ok, _ := l.AllowAt("1055", "15550001", rulesT0.Add(time.Duration(i)*100*time.Millisecond)); !ok {
				t.Fatalf("burst message %d refused", i+1)
			}
		}
		ok, retryAt := l.AllowAt("1055", "15550001", rulesT0.Add(10*time.Second))
		if ok {
			t.Fatal("message 10 s after a burst of 20 allowed")
		}
		if want := rulesT0.Add(2 * time.Minute); !retryAt.Equal(want) {
			t.Fatalf("retryAt = t0+%v, want t0+2m", retryAt.Sub(rulesT0))
		}
		if ok, _ := l.AllowAt("1055", "15550001", rulesT0.Add(2*time.Minute-time.Millisecond)); ok {
			t.Fatal("allowed just before the 2 minutes were up")
		}
		if ok, _ := l.AllowAt("1055", "15550001", rulesT0.Add(2*time.Minute)); !ok {
			t.Fatal("refused after 2 minutes")
		}
		// Another user of the same number is unaffected.
		if ok, _ := l.AllowAt("1055", "15550002", rulesT0.Add(time.Second)); !ok {
			t.Fatal("another recipient refused")
		}
	})
	t.Run("burst of 45 within 6 seconds, not 46", func(t *testing.T) {
		var l PairLimiter
		for i := 0; i < 45; i++ {
			at := rulesT0.Add(time.Duration(i) * 130 * time.Millisecond) // 45 in 5.72 s
			if ok, _ := l.AllowAt("1055", "15550001", at); !ok {
				t.Fatalf("burst message %d refused", i+1)
			}
		}
		ok, retryAt := l.AllowAt("1055", "15550001", rulesT0.Add(5900*time.Millisecond))
		if ok {
			t.Fatal("46th message of a burst allowed")
		}
		if want := rulesT0.Add(45 * 6 * time.Second); !retryAt.Equal(want) {
			t.Fatalf("retryAt = t0+%v, want t0+4m30s", retryAt.Sub(rulesT0))
		}
	})
	t.Run("burst window is 6 seconds", func(t *testing.T) {
		var l PairLimiter
		l.AllowAt("1055", "u", rulesT0)
		l.AllowAt("1055", "u", rulesT0.Add(time.Second)) // burst of 2: debt until t0+12s
		if ok, retryAt := l.AllowAt("1055", "u", rulesT0.Add(7*time.Second)); ok || !retryAt.Equal(rulesT0.Add(12*time.Second)) {
			t.Fatalf("7 s after the burst began: ok=%v retryAt=t0+%v; want refused until t0+12s", ok, retryAt.Sub(rulesT0))
		}
	})
}

func TestPairLimitBadInput(t *testing.T) {
	var p PairLimit
	s, ok, _ := p.Take(PairState{}, time.Time{})
	if !ok || s.BurstCount != 1 {
		t.Fatalf("zero time on a fresh pair: ok=%v state=%+v", ok, s)
	}
	s, _, _ = p.Take(PairState{}, rulesT0)
	// A time before the burst began counts as its start: part of the burst.
	s2, ok, _ := p.Take(s, rulesT0.Add(-time.Hour))
	if !ok || s2.BurstCount != 2 || !s2.BurstStart.Equal(rulesT0) {
		t.Fatalf("time before the burst: ok=%v state=%+v", ok, s2)
	}
	// Far future: saturates, no panic.
	far := time.Unix(1<<62, 0)
	if _, ok, _ := p.Take(s, far); !ok {
		t.Fatal("far-future message refused")
	}
}

// rulesSimulatePair offers offered msg/s to one pair for d and returns the
// admitted count.
func rulesSimulatePair(offered int, d time.Duration) int {
	var l PairLimiter
	step := time.Second / time.Duration(offered)
	admitted := 0
	for at := rulesT0; at.Before(rulesT0.Add(d)); at = at.Add(step) {
		if ok, _ := l.AllowAt("1055", "15550001", at); ok {
			admitted++
		}
	}
	return admitted
}

// TestPairLimitAccuracy: flooding one pair, the long-run admitted rate is
// within 1% of 1 per 6 s. Bursts borrow up to 45 messages, so the horizon
// must be long against 45 × 6 s: 10 hours of fake time.
func TestPairLimitAccuracy(t *testing.T) {
	const d = 10 * time.Hour
	admitted := rulesSimulatePair(10, d)
	limit := d.Seconds() / 6
	if dev := math.Abs(float64(admitted)-limit) / limit; dev > 0.01 {
		t.Fatalf("admitted %d in %v against %.0f: %.2f%% off", admitted, d, limit, dev*100)
	}
	// And never more than the debt allows: every admitted message costs 6
	// s, and a burst may run 45 ahead.
	if max := int(limit) + PairBurst; admitted > max {
		t.Fatalf("admitted %d, more than %d", admitted, max)
	}
}

func TestPairLimiterWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l PairLimiter
		start := time.Now()
		for i := 0; i < 20; i++ {
			if !l.Allow("1055", "u") {
				t.Fatalf("burst message %d refused", i+1)
			}
		}
		time.Sleep(10 * time.Second) // the burst is over (fake time)
		if err := l.Wait(context.Background(), "1055", "u"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Minute {
			t.Fatalf("Wait after a burst of 20 took %v, want 2m", got)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := l.Wait(ctx, "1055", "u"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait on a cancelled context = %v", err)
		}
	})
}

func TestPairLimiterForgetsIdlePairs(t *testing.T) {
	var l PairLimiter
	for i := 0; i < 5000; i++ {
		l.AllowAt("1055", fmt.Sprint(i), rulesT0.Add(time.Duration(i)*time.Second))
	}
	l.mu.Lock()
	n := len(l.pairs)
	l.mu.Unlock()
	if n > 2048 {
		t.Fatalf("%d pairs kept; idle ones should be forgotten", n)
	}
}

// TestTierBudgetDocumented: the limit counts unique users in a moving 24
// hours; repeats do not count twice; it is not a calendar-day bucket.
func TestTierBudgetDocumented(t *testing.T) {
	limit, _ := Tier250.Limit()
	b := TierBudget{Limit: limit}
	first := rulesDay(1, 23, 0)
	for i := 0; i < 250; i++ {
		if ok, _ := b.Reach(fmt.Sprintf("1555000%04d", i), first.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("user %d of 250 refused", i+1)
		}
	}
	// Repeats to the same users do not count twice.
	for i := 0; i < 250; i++ {
		if ok, _ := b.Reach(fmt.Sprintf("1555000%04d", i), first.Add(10*time.Minute)); !ok {
			t.Fatalf("repeat to user %d refused", i+1)
		}
	}
	if got := b.Count(first.Add(10 * time.Minute)); got != 250 {
		t.Fatalf("Count = %d, want 250", got)
	}
	// A new user the next calendar day (01:00) is still refused: the 24
	// hours move, they are not a daily bucket.
	ok, retryAt := b.Reach("15559999999", rulesDay(2, 1, 0))
	if ok {
		t.Fatal("251st unique user allowed")
	}
	// The repeats at 23:10 moved every user's 24 hours: the first slot
	// frees at day 2 23:10.
	want := first.Add(10*time.Minute + TierWindow)
	if !retryAt.Equal(want) {
		t.Fatalf("retryAt = %v, want %v", retryAt, want)
	}
	if ok, _ := b.Reach("15559999999", want.Add(-time.Nanosecond)); ok {
		t.Fatal("allowed before retryAt")
	}
	if ok, _ := b.Reach("15559999999", want); !ok {
		t.Fatal("refused at retryAt")
	}
}

func TestTierBudgetExpiresOneByOne(t *testing.T) {
	b := TierBudget{Limit: 3}
	b.Reach("a", rulesT0)
	b.Reach("b", rulesT0.Add(time.Hour))
	b.Reach("c", rulesT0.Add(2*time.Hour))
	if ok, retryAt := b.Reach("d", rulesT0.Add(3*time.Hour)); ok || !retryAt.Equal(rulesT0.Add(TierWindow)) {
		t.Fatalf("d: ok=%v retryAt=%v; want refused until a expires", ok, retryAt)
	}
	if ok, _ := b.Reach("d", rulesT0.Add(TierWindow)); !ok {
		t.Fatal("d refused once a expired")
	}
	if ok, retryAt := b.Reach("e", rulesT0.Add(TierWindow)); ok || !retryAt.Equal(rulesT0.Add(time.Hour+TierWindow)) {
		t.Fatalf("e: ok=%v retryAt=%v; want refused until b expires", ok, retryAt)
	}
}

func TestTierBudgetZeroValueCounts(t *testing.T) {
	var b TierBudget
	for i := 0; i < 1000; i++ {
		if ok, _ := b.Reach(fmt.Sprint(i), rulesT0); !ok {
			t.Fatal("zero-value budget refused")
		}
	}
	if got := b.Count(rulesT0); got != 1000 {
		t.Fatalf("Count = %d", got)
	}
	if got := b.Count(rulesT0.Add(TierWindow)); got != 0 {
		t.Fatalf("Count after 24 h = %d", got)
	}
}

// TestTierBudgetProperty: for random reach sequences, the number of unique
// users admitted in ANY 24-hour span never exceeds the limit, and a user is
// refused only when the limit is really full.
func TestTierBudgetProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 250))
	for iter := 0; iter < 200; iter++ {
		limit := 1 + r.IntN(8)
		users := limit + 1 + r.IntN(10)
		b := TierBudget{Limit: limit}
		type reach struct {
			user int
			at   time.Time
		}
		var admitted []reach
		at := rulesT0
		for step := 0; step < 200; step++ {
			at = at.Add(time.Duration(r.Int64N(int64(6 * time.Hour))))
			u := r.IntN(users)
			ok, retryAt := b.Reach(fmt.Sprint(u), at)
			// Oracle: distinct users admitted in (at-24h, at].
			inWindow := map[int]bool{}
			for _, a := range admitted {
				if a.at.After(at.Add(-TierWindow)) {
					inWindow[a.user] = true
				}
			}
			wantOK := inWindow[u] || len(inWindow) < limit
			if ok != wantOK {
				t.Fatalf("iter %d step %d: Reach(%d) = %v, oracle says %v (%d in window, limit %d)", iter, step, u, ok, wantOK, len(inWindow), limit)
			}
			if ok {
				admitted = append(admitted, reach{u, at})
			} else if !retryAt.After(at) {
				t.Fatalf("retryAt %v not after %v", retryAt, at)
			}
		}
		// Any 24-hour span: the maximum is reached by a span starting at
		// an admitted time.
		for _, s := range admitted {
			seen := map[int]bool{}
			for _, a := range admitted {
				if !a.at.Before(s.at) && a.at.Before(s.at.Add(TierWindow)) {
					seen[a.user] = true
				}
			}
			if len(seen) > limit {
				t.Fatalf("iter %d: %d unique users in the 24 h from %v, limit %d", iter, len(seen), s.at, limit)
			}
		}
	}
}

func TestBudgetCancel(t *testing.T) {
	var b budget
	r1 := b.reserve("a", rulesT0, 1)
	if !r1.ok {
		t.Fatal("a refused")
	}
	if r := b.reserve("b", rulesT0, 1); r.ok {
		t.Fatal("b allowed over a limit of 1")
	}
	b.cancel("a", r1.at, r1.prev)
	if r := b.reserve("b", rulesT0, 1); !r.ok {
		t.Fatal("b refused after a was cancelled")
	}
	// Cancel of a repeat restores the earlier time.
	r2 := b.reserve("b", rulesT0.Add(time.Hour), 1)
	b.cancel("b", r2.at, r2.prev)
	if got := b.last["b"]; !got.Equal(rulesT0) {
		t.Fatalf("after cancelling the repeat, b last = %v, want %v", got, rulesT0)
	}
}

// BenchmarkLimiterAccuracy reports the admitted rate when 1,000 msg/s are
// offered for 60 s of fake time against 80 mps, and when one pair is
// flooded for 10 hours, as a fraction of the limit (1 = exact).
func BenchmarkLimiterAccuracy(b *testing.B) {
	b.Run("throughput80", func(b *testing.B) {
		var admitted int
		for b.Loop() {
			admitted = rulesSimulateThroughput(ThroughputStandard, 1000, time.Minute)
		}
		b.ReportMetric(float64(admitted)/60/80, "admitted/limit")
	})
	b.Run("pair", func(b *testing.B) {
		var admitted int
		for b.Loop() {
			admitted = rulesSimulatePair(100, 10*time.Hour)
		}
		b.ReportMetric(float64(admitted)/(10*3600/6), "admitted/limit")
	})
	b.Run("floor_rate80", func(b *testing.B) {
		// The floor: a bare x/time/rate limiter fed the same 60,000 calls.
		var admitted int
		for b.Loop() {
			lim := rate.NewLimiter(80, 8)
			admitted = 0
			for at := rulesT0; at.Before(rulesT0.Add(time.Minute)); at = at.Add(time.Millisecond) {
				if lim.AllowN(at, 1) {
					admitted++
				}
			}
		}
		b.ReportMetric(float64(admitted)/60/80, "admitted/limit")
	})
}

// rulesFloor is the benchmark floor: a bare x/time/rate limiter and a map
// lookup, the least any in-process check does.
type rulesFloor struct {
	lim  *rate.Limiter
	seen map[string]time.Time
}

func newRulesFloor() *rulesFloor {
	return &rulesFloor{lim: rate.NewLimiter(1000, 100), seen: make(map[string]time.Time)}
}

func (f *rulesFloor) allow(user string, at time.Time) bool {
	_ = f.seen[user]
	return f.lim.AllowN(at, 1)
}

func TestThroughputAllowUsesClock(t *testing.T) {
	now := rulesT0
	l := Throughput{Clock: func() time.Time { return now }}
	l.SetLevel("1055", ThroughputCoexistence) // burst 2
	if !l.Allow("1055") || !l.Allow("1055") || l.Allow("1055") {
		t.Fatal("Allow does not follow the burst of 2")
	}
	now = now.Add(50 * time.Millisecond) // one token at 20 per second
	if !l.Allow("1055") || l.Allow("1055") {
		t.Fatal("Allow does not follow the clock")
	}
}
