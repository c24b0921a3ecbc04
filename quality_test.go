package whatsapp

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

func TestParseQualityRating(t *testing.T) {
	tests := []struct {
		in    string
		want  QualityRating
		known bool
	}{
		{"GREEN", QualityGreen, true},
		{"green", QualityGreen, true},
		{" Yellow ", QualityYellow, true},
		{"RED", QualityRed, true},
		{"UNKNOWN", QualityUnknown, true},
		{"NA", QualityNA, true},
		{"N/A", QualityNA, true},
		{"", QualityUnknown, true},
		{"PURPLE", QualityRating("PURPLE"), false}, // kept as given
	}
	for _, tt := range tests {
		got := ParseQualityRating(tt.in)
		if got != tt.want || got.Known() != tt.known {
			t.Errorf("ParseQualityRating(%q) = %q (known %v), want %q (known %v)", tt.in, got, got.Known(), tt.want, tt.known)
		}
	}
}

func TestQualityRatingAtLeast(t *testing.T) {
	tests := []struct {
		q, min QualityRating
		want   bool
	}{
		{QualityGreen, QualityYellow, true},
		{QualityYellow, QualityYellow, true},
		{QualityRed, QualityYellow, false},
		{QualityGreen, QualityGreen, true},
		{QualityYellow, QualityGreen, false},
		{QualityUnknown, QualityRed, false},
		{QualityNA, QualityRed, false},
		{"PURPLE", QualityRed, false},
		{QualityGreen, "PURPLE", false},
	}
	for _, tt := range tests {
		if got := tt.q.AtLeast(tt.min); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tt.q, tt.min, got, tt.want)
		}
	}
}

func TestPhoneStatusCanSend(t *testing.T) {
	for _, s := range []PhoneStatus{PhoneDisconnected, PhoneFlagged, PhoneRestricted, PhoneRateLimited,
		PhonePending, PhoneUnverified, PhoneMigrated, PhoneBanned, PhoneDeleted, PhoneUnknown, "NEW_STATUS", ""} {
		if s.CanSend() {
			t.Errorf("%q.CanSend() = true", s)
		}
	}
	if !PhoneConnected.CanSend() {
		t.Error("CONNECTED cannot send")
	}
}

func TestTierParseAndLimit(t *testing.T) {
	tests := []struct {
		in    string
		want  Tier
		limit int
		ok    bool
	}{
		{"TIER_250", Tier250, 250, true},
		{"tier_2k", Tier2K, 2000, true},
		{"TIER_10K", Tier10K, 10000, true},
		{"TIER_100K", Tier100K, 100000, true},
		{"TIER_UNLIMITED", TierUnlimited, math.MaxInt, true},
		{"TIER_1K", Tier1K, 1000, true}, // legacy
		{"TIER_50", Tier50, 50, true},   // test numbers
		{"TIER_NOT_SET", TierNotSet, 0, false},
		{"", TierNotSet, 0, false},
		{"250", Tier250, 250, true}, // numeric example in the docs
		{"2000", Tier2K, 2000, true},
		{"-1", TierUnlimited, math.MaxInt, true},
		{"UNLIMITED", TierUnlimited, math.MaxInt, true},
		{"TIER_5M", Tier("TIER_5M"), 0, false}, // unknown: kept
		{"12345", Tier("12345"), 0, false},
	}
	for _, tt := range tests {
		got := ParseTier(tt.in)
		if got != tt.want {
			t.Errorf("ParseTier(%q) = %q, want %q", tt.in, got, tt.want)
		}
		limit, ok := got.Limit()
		if limit != tt.limit || ok != tt.ok {
			t.Errorf("%q.Limit() = %d, %v; want %d, %v", got, limit, ok, tt.limit, tt.ok)
		}
	}
	if Tier("TIER_5M").Known() || !TierNotSet.Known() || !Tier2K.Known() {
		t.Error("Known is wrong")
	}
}

// TestTierScaleUp checks the documented rule: at 2K and above, one level up
// when quality is not low and at least half the limit was used in 7 days.
func TestTierScaleUp(t *testing.T) {
	tests := []struct {
		name  string
		tier  Tier
		q     QualityRating
		peak  int
		want  Tier
		scale bool
	}{
		{"2K half used, green", Tier2K, QualityGreen, 1000, Tier10K, true},
		{"2K just under half", Tier2K, QualityGreen, 999, Tier2K, false},
		{"2K half used, yellow", Tier2K, QualityYellow, 1000, Tier10K, true},
		{"2K half used, red", Tier2K, QualityRed, 2000, Tier2K, false},
		{"2K unknown quality", Tier2K, QualityUnknown, 2000, Tier2K, false},
		{"10K to 100K", Tier10K, QualityGreen, 5000, Tier100K, true},
		{"100K to unlimited", Tier100K, QualityGreen, 50000, TierUnlimited, true},
		{"100K under half", Tier100K, QualityGreen, 49999, Tier100K, false},
		{"unlimited stays", TierUnlimited, QualityGreen, 1 << 30, TierUnlimited, false},
		{"250 needs verification", Tier250, QualityGreen, 250, Tier250, false},
		{"legacy 1K", Tier1K, QualityGreen, 500, Tier10K, true},
		{"unknown tier", Tier("TIER_5M"), QualityGreen, 1 << 30, Tier("TIER_5M"), false},
		{"negative usage", Tier2K, QualityGreen, -5, Tier2K, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.tier.ScaleUp(tt.q, tt.peak)
			if got != tt.want || ok != tt.scale {
				t.Fatalf("ScaleUp = %q, %v; want %q, %v", got, ok, tt.want, tt.scale)
			}
		})
	}
}

func TestThroughputLevel(t *testing.T) {
	tests := []struct {
		l    ThroughputLevel
		want int
	}{
		{ThroughputStandard, 80},
		{ThroughputHigh, 1000},
		{"high", 1000},
		{ThroughputCoexistence, 20},
		{"", 80},
		{"NOT_APPLICABLE", 80},
		{"WARP", 80},
	}
	for _, tt := range tests {
		if got := tt.l.MessagesPerSecond(); got != tt.want {
			t.Errorf("%q.MessagesPerSecond() = %d, want %d", tt.l, got, tt.want)
		}
	}
}

func TestThroughputUpgradeEligible(t *testing.T) {
	tests := []struct {
		tier  Tier
		users int
		q     QualityRating
		want  bool
	}{
		{TierUnlimited, 100000, QualityYellow, true},
		{TierUnlimited, 100000, QualityGreen, true},
		{TierUnlimited, 99999, QualityGreen, false},
		{TierUnlimited, 100000, QualityRed, false},
		{TierUnlimited, 100000, QualityUnknown, false},
		{Tier100K, 100000, QualityGreen, false},
	}
	for _, tt := range tests {
		if got := ThroughputUpgradeEligible(tt.tier, tt.users, tt.q); got != tt.want {
			t.Errorf("ThroughputUpgradeEligible(%q, %d, %q) = %v, want %v", tt.tier, tt.users, tt.q, got, tt.want)
		}
	}
}

// TestTemplateHealthLadder: first pause 3 h, second 6 h, third disabled.
func TestTemplateHealthLadder(t *testing.T) {
	t0 := rulesDay(1, 9, 0)
	var h TemplateHealth
	if _, err := h.Check(t0); err != nil {
		t.Fatalf("zero health refuses: %v", err)
	}

	// First pause: 3 hours.
	h = h.Apply(TemplateHealthEvent{Event: "PAUSED", Detail: "FIRST_PAUSE", At: t0})
	retry, err := h.Check(t0.Add(time.Hour))
	if !errors.Is(err, ErrTemplatePaused) || !retry.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("first pause: Check = %v, %v; want ErrTemplatePaused until +3h", retry, err)
	}
	if _, err := h.Check(t0.Add(3 * time.Hour)); err != nil {
		t.Fatalf("first pause over after 3 h, still refused: %v", err)
	}
	h = h.Apply(TemplateHealthEvent{Event: "APPROVED", Detail: "UNPAUSE", At: t0.Add(3 * time.Hour)})

	// Second pause (no title: counted): 6 hours.
	t1 := t0.Add(24 * time.Hour)
	h = h.Apply(TemplateHealthEvent{Event: "PAUSED", At: t1})
	retry, err = h.Check(t1.Add(5 * time.Hour))
	if !errors.Is(err, ErrTemplatePaused) || !retry.Equal(t1.Add(6*time.Hour)) {
		t.Fatalf("second pause: Check = %v, %v; want ErrTemplatePaused until +6h", retry, err)
	}
	if _, err := h.Check(t1.Add(6 * time.Hour)); err != nil {
		t.Fatalf("second pause over after 6 h, still refused: %v", err)
	}
	h = h.Apply(TemplateHealthEvent{Event: "APPROVED", At: t1.Add(6 * time.Hour)})
	if h.Pauses != 2 {
		t.Fatalf("Pauses = %d after two pauses", h.Pauses)
	}

	// Third: disabled.
	h = h.Apply(TemplateHealthEvent{Event: "PAUSED", At: t1.Add(48 * time.Hour)})
	if _, err := h.Check(t1.Add(100 * time.Hour)); !errors.Is(err, ErrTemplateDisabled) {
		t.Fatalf("third pause: Check = %v, want ErrTemplateDisabled", err)
	}
}

func TestTemplateHealthEvents(t *testing.T) {
	t0 := rulesDay(1, 9, 0)
	tests := []struct {
		name    string
		events  []TemplateHealthEvent
		at      time.Time
		wantErr error
		check   func(t *testing.T, h TemplateHealth)
	}{
		{
			name:   "flagged still sendable",
			events: []TemplateHealthEvent{{Event: "FLAGGED", At: t0}},
			at:     t0.Add(time.Minute),
			check: func(t *testing.T, h TemplateHealth) {
				if !h.Flagged {
					t.Error("not flagged")
				}
			},
		},
		{
			name:   "reinstated clears flag and pause",
			events: []TemplateHealthEvent{{Event: "FLAGGED", At: t0}, {Event: "PAUSED", Detail: "FIRST_PAUSE", At: t0.Add(time.Hour)}, {Event: "REINSTATED", At: t0.Add(2 * time.Hour)}},
			at:     t0.Add(2 * time.Hour),
			check: func(t *testing.T, h TemplateHealth) {
				if h.Flagged || h.Status != "APPROVED" || h.Pauses != 1 {
					t.Errorf("health = %+v", h)
				}
			},
		},
		{
			name:    "second pause by title",
			events:  []TemplateHealthEvent{{Event: "PAUSED", Detail: "SECOND_PAUSE", At: t0}},
			at:      t0.Add(5 * time.Hour),
			wantErr: ErrTemplatePaused,
		},
		{
			name:    "rate limiting pause has no end",
			events:  []TemplateHealthEvent{{Event: "PAUSED", Detail: "RATE_LIMITING_PAUSE", At: t0}},
			at:      t0.Add(1000 * time.Hour),
			wantErr: ErrTemplatePaused,
		},
		{
			name:    "disabled",
			events:  []TemplateHealthEvent{{Event: "DISABLED", Detail: "DISABLED", At: t0}},
			at:      t0.Add(time.Hour),
			wantErr: ErrTemplateDisabled,
		},
		{
			name:    "rejected",
			events:  []TemplateHealthEvent{{Event: "REJECTED", At: t0}},
			at:      t0,
			wantErr: ErrTemplateNotFound,
		},
		{
			name:   "unknown event passes and is kept",
			events: []TemplateHealthEvent{{Event: "SOMETHING_NEW", At: t0}},
			at:     t0,
			check: func(t *testing.T, h TemplateHealth) {
				if h.Status != "SOMETHING_NEW" {
					t.Errorf("Status = %q", h.Status)
				}
			},
		},
		{
			name:   "quality update",
			events: []TemplateHealthEvent{{Event: TemplateEventQuality, Detail: "red", At: t0}},
			at:     t0,
			check: func(t *testing.T, h TemplateHealth) {
				if h.Quality != QualityRed {
					t.Errorf("Quality = %q", h.Quality)
				}
			},
		},
		{
			name: "a redelivered pause counts once",
			events: []TemplateHealthEvent{
				{Event: "PAUSED", At: t0},
				{Event: "PAUSED", At: t0},
			},
			at:      t0.Add(time.Hour),
			wantErr: ErrTemplatePaused,
			check: func(t *testing.T, h TemplateHealth) {
				if h.Pauses != 1 || !h.PausedUntil.Equal(t0.Add(3*time.Hour)) {
					t.Errorf("health = %+v, want one pause of 3 h", h)
				}
			},
		},
		{
			name: "out of order events are sorted",
			events: []TemplateHealthEvent{
				{Event: "APPROVED", At: t0.Add(4 * time.Hour)},
				{Event: "PAUSED", Detail: "FIRST_PAUSE", At: t0},
			},
			at: t0.Add(time.Hour), // the approval came after: sendable
		},
		{
			name:   "edit lock does not change status",
			events: []TemplateHealthEvent{{Event: "APPROVED", At: t0}, {Event: "LOCKED", At: t0.Add(time.Hour)}},
			at:     t0.Add(2 * time.Hour),
			check: func(t *testing.T, h TemplateHealth) {
				if h.Status != "APPROVED" {
					t.Errorf("Status = %q", h.Status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := TemplateHealthOf(tt.events)
			_, err := h.Check(tt.at)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Check = %v, want %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, h)
			}
		})
	}
}

func TestTierUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Tier
	}{
		{`"TIER_2K"`, Tier2K},
		{`"tier_250"`, Tier250},
		{`250`, Tier250},
		{`-1`, TierUnlimited},
		{`""`, ""},
		{`null`, "keep"},
		{`"TIER_5M"`, "TIER_5M"},
		{`{"tier":"x"}`, `{"tier":"x"}`},
	}
	for _, tt := range tests {
		got := Tier("keep")
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Unmarshal(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var v struct {
		Limit Tier `json:"messaging_limit_tier"`
	}
	if err := json.Unmarshal([]byte(`{"messaging_limit_tier":1000}`), &v); err != nil || v.Limit != Tier1K {
		t.Fatalf("in a struct: %q, %v", v.Limit, err)
	}
}
