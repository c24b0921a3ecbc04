package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestMemoryStoreForgets: the retention rule lets idle pairs go, keeps
// opt-in facts and live windows.
func TestMemoryStoreForgets(t *testing.T) {
	ctx := context.Background()
	var s MemoryStore
	const n = memShards * 300
	for i := 0; i < n; i++ {
		s.Record(ctx, Fact{Kind: FactUserMessage, Phone: rulesPhone, User: fmt.Sprint("old", i), At: rulesT0})
	}
	s.Record(ctx, Fact{Kind: FactOptIn, User: "old0", On: true, At: rulesT0})
	later := rulesT0.Add(WindowDuration + 25*time.Hour)
	for i := 0; i < n; i++ {
		s.Record(ctx, Fact{Kind: FactUserMessage, Phone: rulesPhone, User: fmt.Sprint("new", i), At: later})
	}
	total := 0
	for i := range s.shards {
		total += len(s.shards[i].users)
	}
	if total > n+n/2 {
		t.Fatalf("%d user records kept of %d; the idle ones should be forgotten", total, 2*n)
	}
	st, _ := s.Load(ctx, StateKey{Phone: rulesPhone, User: "old0"})
	if !st.OptIn.On {
		t.Fatal("an opt-in was forgotten")
	}
	st, _ = s.Load(ctx, StateKey{Phone: rulesPhone, User: fmt.Sprint("new", n-1)})
	if !st.Window.IsOpen(later) {
		t.Fatal("a live window was forgotten")
	}
}

func TestMemPairIdle(t *testing.T) {
	now := rulesT0.Add(100 * time.Hour)
	tests := []struct {
		name string
		p    memPair
		idle bool
	}{
		{"empty", memPair{}, true},
		{"window closed 25 h ago", memPair{window: Window{LastUserMessage: now.Add(-49 * time.Hour)}}, true},
		{"window closed 23 h ago", memPair{window: Window{LastUserMessage: now.Add(-47 * time.Hour)}}, false},
		{"referral pending", memPair{fep: FreeEntryPoint{ReferralAt: now.Add(-time.Hour)}}, false},
		{"entry point open", memPair{fep: FreeEntryPoint{ReferralAt: now.Add(-50 * time.Hour), OpenedAt: now.Add(-49 * time.Hour)}}, false},
		{"pair debt", memPair{pair: PairState{Until: now.Add(time.Minute)}}, false},
	}
	for _, tt := range tests {
		if got := tt.p.idle(now); got != tt.idle {
			t.Errorf("%s: idle = %v, want %v", tt.name, got, tt.idle)
		}
	}
}

func TestStoreNames(t *testing.T) {
	for q, want := range map[Quota]string{QuotaNone: "none", QuotaFrequency: "frequency", QuotaTier: "tier",
		QuotaPair: "pair", QuotaThroughput: "throughput", Quota(99): "quota(?)"} {
		if got := q.String(); got != want {
			t.Errorf("Quota(%d).String() = %q, want %q", q, got, want)
		}
	}
	e := &StoreError{Op: "reserve", Err: errors.New("connection refused")}
	if got := e.Error(); got != "whatsapp: guard: store reserve: connection refused" {
		t.Errorf("StoreError.Error() = %q", got)
	}
}
