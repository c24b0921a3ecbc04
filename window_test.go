package whatsapp

import (
	"math/rand/v2"
	"testing"
	"time"
)

// rulesDay returns a time on day d (1-based) of the worked examples, at
// hh:mm in a fixed zone (the examples use one time zone throughout).
func rulesDay(d, hh, mm int) time.Time {
	zone := time.FixedZone("UTC+3", 3*3600)
	return time.Date(2025, time.March, 2+d, hh, mm, 0, 0, zone) // day 1 = Monday 3 March 2025
}

// TestWindowWorkedExampleR1 follows requirements.md R1 step by step.
func TestWindowWorkedExampleR1(t *testing.T) {
	var w Window

	// Day 1 17:00: the business writes first to a number it never talked
	// to: the window is closed, template only.
	if w.IsOpen(rulesDay(1, 17, 0)) {
		t.Fatal("day 1 17:00: window open before any user message")
	}
	if !w.ClosesAt().IsZero() {
		t.Fatalf("day 1 17:00: ClosesAt = %v, want zero", w.ClosesAt())
	}

	// Day 1 17:05: the customer answers: the window opens now.
	w = w.Record(rulesDay(1, 17, 5))
	if !w.IsOpen(rulesDay(1, 17, 5)) {
		t.Fatal("day 1 17:05: window not open after the customer's answer")
	}
	if got, want := w.ClosesAt(), rulesDay(2, 17, 5); !got.Equal(want) {
		t.Fatalf("day 1 17:05: ClosesAt = %v, want %v", got, want)
	}

	// Day 1 20:31: the customer's last message: the window now closes at
	// day 2 20:31.
	w = w.Record(rulesDay(1, 20, 31))
	if got, want := w.ClosesAt(), rulesDay(2, 20, 31); !got.Equal(want) {
		t.Fatalf("day 1 20:31: ClosesAt = %v, want %v", got, want)
	}

	// Day 2 13:50: a template inside the window is allowed (and a utility
	// template is free: see TestPricingWorkedExampleR1).
	if !w.IsOpen(rulesDay(2, 13, 50)) {
		t.Fatal("day 2 13:50: window closed")
	}
	// Past the first message's 24 hours, the later message keeps it open.
	if !w.IsOpen(rulesDay(2, 17, 6)) {
		t.Fatal("day 2 17:06: window closed although the last message was at 20:31")
	}

	// Day 2 20:31: the window closes.
	if !w.IsOpen(rulesDay(2, 20, 31).Add(-time.Nanosecond)) {
		t.Fatal("day 2 20:30:59.999999999: window already closed")
	}
	if w.IsOpen(rulesDay(2, 20, 31)) {
		t.Fatal("day 2 20:31: window still open")
	}

	// Day 3 18:00: only a template may be sent.
	if w.IsOpen(rulesDay(3, 18, 0)) {
		t.Fatal("day 3 18:00: window open")
	}
}

func TestWindowRecordNeverMovesBackwards(t *testing.T) {
	late := rulesDay(1, 20, 31)
	tests := []struct {
		name string
		in   []time.Time
		want time.Time
	}{
		{"in order", []time.Time{rulesDay(1, 17, 5), late}, late},
		{"out of order", []time.Time{late, rulesDay(1, 17, 5)}, late},
		{"zero ignored", []time.Time{late, {}}, late},
		{"only zero", []time.Time{{}}, time.Time{}},
		{"same time twice", []time.Time{late, late}, late},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Window
			for _, at := range tt.in {
				w = w.Record(at)
			}
			if !w.LastUserMessage.Equal(tt.want) {
				t.Fatalf("LastUserMessage = %v, want %v", w.LastUserMessage, tt.want)
			}
		})
	}
}

// TestWindowRecordOrderIrrelevant: any order of the same messages gives the
// same window (randomised, seeded).
func TestWindowRecordOrderIrrelevant(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := rulesDay(1, 0, 0)
	for i := 0; i < 500; i++ {
		n := 1 + r.IntN(8)
		times := make([]time.Time, n)
		var latest time.Time
		for j := range times {
			times[j] = base.Add(time.Duration(r.Int64N(int64(96 * time.Hour))))
			if times[j].After(latest) {
				latest = times[j]
			}
		}
		r.Shuffle(n, func(a, b int) { times[a], times[b] = times[b], times[a] })
		var w Window
		for _, at := range times {
			prev := w
			w = w.Record(at)
			if w.ClosesAt().Before(prev.ClosesAt()) {
				t.Fatalf("Record(%v) moved ClosesAt back from %v to %v", at, prev.ClosesAt(), w.ClosesAt())
			}
		}
		if !w.LastUserMessage.Equal(latest) {
			t.Fatalf("LastUserMessage = %v, want the latest %v", w.LastUserMessage, latest)
		}
	}
}

func TestWindowBadInput(t *testing.T) {
	last := rulesDay(1, 12, 0)
	w := Window{}.Record(last)
	tests := []struct {
		name string
		w    Window
		at   time.Time
		open bool
	}{
		{"zero at", w, time.Time{}, false},
		{"zero window", Window{}, last, false},
		{"before the last message (clock skew)", w, last.Add(-time.Minute), true},
		{"far future", w, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.w.IsOpen(tt.at); got != tt.open {
				t.Fatalf("IsOpen(%v) = %v, want %v", tt.at, got, tt.open)
			}
		})
	}
	// A far-future message saturates instead of overflowing into the past.
	far := Window{}.Record(time.Unix(1<<62, 0))
	if got := far.ClosesAt(); got.Before(far.LastUserMessage) {
		t.Fatalf("far-future ClosesAt = %v, before the message %v", got, far.LastUserMessage)
	}
	if !far.IsOpen(last) {
		t.Fatal("a far-future message should keep the window open (callers clamp)")
	}
}

func TestFreeEntryPoint(t *testing.T) {
	ref := rulesDay(1, 10, 0)
	reply := ref.Add(2 * time.Hour)

	var f FreeEntryPoint
	if f.Eligible(ref) || f.IsOpen(ref) {
		t.Fatal("zero FreeEntryPoint is eligible or open")
	}
	f = f.RecordReferral(ref)
	if !f.Eligible(reply) {
		t.Fatal("reply 2 h after the referral is not eligible")
	}
	if f.Eligible(ref.Add(EntryPointReplyDeadline)) {
		t.Fatal("reply exactly 24 h after the referral is eligible")
	}
	if f.IsOpen(reply) {
		t.Fatal("open before any reply")
	}

	f = f.RecordReply(reply)
	if !f.OpenedAt.Equal(reply) {
		t.Fatalf("OpenedAt = %v, want %v", f.OpenedAt, reply)
	}
	if got, want := f.ClosesAt(), reply.Add(72*time.Hour); !got.Equal(want) {
		t.Fatalf("ClosesAt = %v, want %v (72 h from the reply)", got, want)
	}
	if !f.IsOpen(reply.Add(71 * time.Hour)) {
		t.Fatal("closed 71 h after the reply")
	}
	if f.IsOpen(reply.Add(72 * time.Hour)) {
		t.Fatal("open 72 h after the reply")
	}
	if f.Eligible(reply.Add(time.Hour)) {
		t.Fatal("a second reply is eligible to open another window")
	}

	// A later reply does not move the opening.
	if g := f.RecordReply(reply.Add(time.Hour)); !g.OpenedAt.Equal(reply) {
		t.Fatalf("later reply moved OpenedAt to %v", g.OpenedAt)
	}
	// An earlier reply recorded late moves it back.
	if g := f.RecordReply(reply.Add(-time.Hour)); !g.OpenedAt.Equal(reply.Add(-time.Hour)) {
		t.Fatalf("earlier reply: OpenedAt = %v", g.OpenedAt)
	}
	// A new referral while the window is open changes nothing.
	if g := f.RecordReferral(reply.Add(10 * time.Hour)); g != f {
		t.Fatalf("referral inside the open window changed the state: %+v", g)
	}
	// A new referral after it closed starts a new wait.
	again := reply.Add(80 * time.Hour)
	g := f.RecordReferral(again)
	if !g.Eligible(again.Add(time.Minute)) {
		t.Fatal("a referral after the window closed is not eligible")
	}
	if g.IsOpen(again.Add(time.Minute)) {
		t.Fatal("the old window reopened")
	}
	// An older referral recorded late is ignored.
	if h := g.RecordReferral(ref); h != g {
		t.Fatalf("older referral changed the state: %+v", h)
	}
}

func TestFreeEntryPointBadInput(t *testing.T) {
	ref := rulesDay(1, 10, 0)
	tests := []struct {
		name string
		f    FreeEntryPoint
	}{
		{"zero referral", FreeEntryPoint{}.RecordReferral(time.Time{})},
		{"zero reply", FreeEntryPoint{}.RecordReferral(ref).RecordReply(time.Time{})},
		{"reply before referral", FreeEntryPoint{}.RecordReferral(ref).RecordReply(ref.Add(-time.Minute))},
		{"reply after deadline", FreeEntryPoint{}.RecordReferral(ref).RecordReply(ref.Add(25 * time.Hour))},
		{"reply without referral", FreeEntryPoint{}.RecordReply(ref)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.f.OpenedAt.IsZero() || tt.f.IsOpen(ref.Add(time.Hour)) || !tt.f.ClosesAt().IsZero() {
				t.Fatalf("window opened: %+v", tt.f)
			}
		})
	}
	// Far future: saturates, never panics.
	far := FreeEntryPoint{}.RecordReferral(time.Unix(1<<62, 0))
	far = far.RecordReply(time.Unix(1<<62, 0).Add(time.Second))
	if far.ClosesAt().Before(far.OpenedAt) {
		t.Fatalf("far-future ClosesAt %v before OpenedAt %v", far.ClosesAt(), far.OpenedAt)
	}
}
