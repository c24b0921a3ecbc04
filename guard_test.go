package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacloud/whatsapp/internal/clock"
)

// rulesPhone is the business phone number of the guard tests.
const rulesPhone = "1055"

// rulesGuard returns a Guard on a fresh MemoryStore with a fake clock at
// start.
func rulesGuard(start time.Time, p Policy) (*Guard, *clock.Fake) {
	c := clock.NewFake(start)
	return &Guard{Clock: c.Now, Policy: p}, c
}

// rulesNotification parses a webhook body built from one change.
func rulesNotification(t testing.TB, field, value string, entryTime time.Time) *Notification {
	t.Helper()
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","time":%d,"changes":[{"field":%q,"value":%s}]}]}`,
		entryTime.Unix(), field, value)
	n, err := ParseNotification([]byte(body))
	if err != nil {
		t.Fatalf("ParseNotification: %v\n%s", err, body)
	}
	return n
}

// rulesInbound is a webhook with one text message from user at at;
// referral adds a Click-to-WhatsApp referral.
func rulesInbound(t testing.TB, user string, at time.Time, referral bool) *Notification {
	t.Helper()
	ref := ""
	if referral {
		ref = `,"referral":{"source_url":"https://fb.me/x","source_id":"ad1","source_type":"ad","ctwa_clid":"c1"}`
	}
	v := fmt.Sprintf(`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
		"contacts":[{"profile":{"name":"Sheena"},"wa_id":%q}],
		"messages":[{"from":%q,"id":"wamid.in%d","timestamp":"%d","type":"text","text":{"body":"hello"}%s}]}`,
		rulesPhone, user, user, at.UnixNano(), at.Unix(), ref)
	return rulesNotification(t, "messages", v, at)
}

func rulesObserve(t testing.TB, g *Guard, n *Notification) {
	t.Helper()
	if err := g.Observe(context.Background(), n); err != nil {
		t.Fatalf("Observe: %v", err)
	}
}

func rulesText(to string) Message { return Message{To: to, Content: Text{Body: "hi"}} }

func rulesTemplate(to, name string) Message {
	return Message{To: to, Content: Template{Name: name, Language: "en_US"}}
}

// rulesWant checks a Guard outcome: nil, or a *RuleError matching want
// with retryAt (zero: none).
func rulesWant(t testing.TB, step string, err error, want error, retryAt time.Time) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: refused: %v", step, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", step, err, want)
	}
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("%s: %T is not a *RuleError", step, err)
	}
	if !re.RetryAt.Equal(retryAt) {
		t.Fatalf("%s: RetryAt = %v, want %v", step, re.RetryAt, retryAt)
	}
}

// TestGuardWorkedExampleR1 follows requirements.md R1 step by step
// through the Guard, with the window opened by webhooks.
func TestGuardWorkedExampleR1(t *testing.T) {
	ctx := context.Background()
	g, clk := rulesGuard(rulesDay(1, 17, 0), Policy{})
	const user = "+1 555 010 0001"
	if err := g.SetOptIn(ctx, user, true); err != nil { // consent from the shop's sign-up form
		t.Fatal(err)
	}
	info := SendInfo{Category: "UTILITY"}

	// Day 1 17:00: the business writes first: template only.
	rulesWant(t, "day 1 17:00 text", g.Check(ctx, rulesPhone, rulesText(user), info), ErrWindowClosed, time.Time{})
	r, err := g.Reserve(ctx, rulesPhone, rulesTemplate(user, "ticket_update"), info)
	rulesWant(t, "day 1 17:00 template", err, nil, time.Time{})
	if r.Billing != (Billing{PricingUtility, PricingRegular, true}) {
		t.Fatalf("day 1 17:00 template billing = %+v, want a charged utility template", r.Billing)
	}
	r.Commit(ctx)

	// Day 1 17:05: the customer answers: the window opens.
	clk.Set(rulesDay(1, 17, 5))
	rulesObserve(t, g, rulesInbound(t, "15550100001", rulesDay(1, 17, 5), false))
	rulesWant(t, "day 1 17:05 text", g.Check(ctx, rulesPhone, rulesText(user), info), nil, time.Time{})

	// Day 1 20:31: the customer's last message: the window now closes at
	// day 2 20:31.
	clk.Set(rulesDay(1, 20, 31))
	rulesObserve(t, g, rulesInbound(t, "15550100001", rulesDay(1, 20, 31), false))

	// Day 2 13:50: a template inside the window: allowed, and free.
	clk.Set(rulesDay(2, 13, 50))
	r, err = g.Reserve(ctx, rulesPhone, rulesTemplate(user, "ticket_update"), info)
	rulesWant(t, "day 2 13:50 template", err, nil, time.Time{})
	if r.Billing != (Billing{PricingUtility, PricingFreeCustomerService, false}) {
		t.Fatalf("day 2 13:50 template billing = %+v, want free", r.Billing)
	}
	r.Commit(ctx)

	// Day 2 20:31: the window closes.
	clk.Set(rulesDay(2, 20, 30))
	rulesWant(t, "day 2 20:30 text", g.Check(ctx, rulesPhone, rulesText(user), info), nil, time.Time{})
	clk.Set(rulesDay(2, 20, 31))
	rulesWant(t, "day 2 20:31 text", g.Check(ctx, rulesPhone, rulesText(user), info), ErrWindowClosed, time.Time{})

	// Day 3 18:00: only a template may be sent.
	clk.Set(rulesDay(3, 18, 0))
	rulesWant(t, "day 3 18:00 text", g.Check(ctx, rulesPhone, rulesText(user), info), ErrWindowClosed, time.Time{})
	rulesWant(t, "day 3 18:00 template", g.Check(ctx, rulesPhone, rulesTemplate(user, "ticket_update"), info), nil, time.Time{})
}

func TestGuardOptIn(t *testing.T) {
	ctx := context.Background()
	utility := SendInfo{Category: "UTILITY"}
	g, _ := rulesGuard(rulesT0, Policy{QuietHours: QuietHours{Disabled: true}})
	rulesWant(t, "template, no opt-in", g.Check(ctx, rulesPhone, rulesTemplate("+15550001", "t"), utility), ErrNotOptedIn, time.Time{})

	// Inside the window, a reply needs no opt-in; marketing does.
	rulesObserve(t, g, rulesInbound(t, "15550001", rulesT0, false))
	rulesWant(t, "text in window", g.Check(ctx, rulesPhone, rulesText("+15550001"), utility), nil, time.Time{})
	rulesWant(t, "utility in window", g.Check(ctx, rulesPhone, rulesTemplate("+15550001", "t"), utility), nil, time.Time{})
	rulesWant(t, "marketing in window", g.Check(ctx, rulesPhone, rulesTemplate("+15550001", "t"), SendInfo{Category: "MARKETING"}), ErrNotOptedIn, time.Time{})

	// Opt-in, then withdrawal.
	if err := g.SetOptIn(ctx, "+15550002", true); err != nil {
		t.Fatal(err)
	}
	rulesWant(t, "opted in", g.Check(ctx, rulesPhone, rulesTemplate("+15550002", "t"), utility), nil, time.Time{})
	g.SetOptIn(ctx, "15550002", false) // the same user, written as a wa_id
	rulesWant(t, "withdrawn", g.Check(ctx, rulesPhone, rulesTemplate("+15550002", "t"), utility), ErrNotOptedIn, time.Time{})

	// OptInOptional.
	g2, _ := rulesGuard(rulesT0, Policy{OptInOptional: true})
	rulesWant(t, "optional", g2.Check(ctx, rulesPhone, rulesTemplate("+15550003", "t"), utility), nil, time.Time{})
}

func TestGuardMarketingOptOut(t *testing.T) {
	ctx := context.Background()
	mk := SendInfo{Category: "MARKETING"}
	g, clk := rulesGuard(rulesDay(1, 12, 0), Policy{OptInOptional: true, MarketingCap: FrequencyCap{Limit: -1}, QuietHours: QuietHours{Disabled: true}})
	user := "15550001"

	// user_preferences stop, then resume.
	pref := func(value string, at time.Time) *Notification {
		return rulesNotification(t, "user_preferences", fmt.Sprintf(`{"messaging_product":"whatsapp",
			"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
			"contacts":[{"wa_id":%q}],
			"user_preferences":[{"wa_id":%q,"detail":"...","category":"marketing_messages","value":%q,"timestamp":%d}]}`,
			rulesPhone, user, user, value, at.Unix()), at)
	}
	rulesObserve(t, g, pref("stop", rulesDay(1, 11, 0)))
	rulesWant(t, "after stop", g.Check(ctx, rulesPhone, rulesTemplate("+"+user, "promo"), mk), ErrMarketingOptOut, time.Time{})
	rulesWant(t, "utility after stop", g.Check(ctx, rulesPhone, rulesTemplate("+"+user, "t"), SendInfo{Category: "UTILITY"}), nil, time.Time{})
	rulesObserve(t, g, pref("resume", rulesDay(1, 11, 30)))
	rulesWant(t, "after resume", g.Check(ctx, rulesPhone, rulesTemplate("+"+user, "promo"), mk), nil, time.Time{})
	// A late, older stop does not undo the resume.
	rulesObserve(t, g, pref("stop", rulesDay(1, 10, 0)))
	clk.Advance(time.Minute)
	rulesWant(t, "older stop", g.Check(ctx, rulesPhone, rulesTemplate("+"+user, "promo"), mk), nil, time.Time{})

	// A failed status with 131050 records the opt-out; 131049 Meta's
	// marketing limit for 24 hours.
	failed := func(to string, code int, at time.Time) *Notification {
		return rulesNotification(t, "messages", fmt.Sprintf(`{"messaging_product":"whatsapp",
			"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
			"statuses":[{"id":"wamid.out","status":"failed","timestamp":"%d","recipient_id":%q,
			"errors":[{"code":%d,"title":"x","message":"x"}]}]}`, rulesPhone, at.Unix(), to, code), at)
	}
	now := clk.Now()
	rulesObserve(t, g, failed("15550002", 131050, now))
	rulesWant(t, "131050", g.Check(ctx, rulesPhone, rulesTemplate("+15550002", "promo"), mk), ErrMarketingOptOut, time.Time{})
	rulesObserve(t, g, failed("15550003", 131049, now))
	rulesWant(t, "131049", g.Check(ctx, rulesPhone, rulesTemplate("+15550003", "promo"), mk), ErrFrequencyCap, now.Add(24*time.Hour))
	clk.Set(now.Add(24 * time.Hour))
	rulesWant(t, "131049 after 24 h", g.Check(ctx, rulesPhone, rulesTemplate("+15550003", "promo"), mk), nil, time.Time{})
}

func TestGuardQuietHours(t *testing.T) {
	ctx := context.Background()
	mk := SendInfo{Category: "MARKETING"}
	london, _ := time.LoadLocation("Europe/London")
	riyadh, _ := time.LoadLocation("Asia/Riyadh")
	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	tests := []struct {
		name  string
		to    string
		at    time.Time
		info  SendInfo
		p     Policy
		until time.Time // zero: allowed
	}{
		{"UK weekday afternoon", "+447700900001", time.Date(2025, 3, 4, 15, 0, 0, 0, london), mk, Policy{}, time.Time{}},
		{"UK weekday night", "+447700900001", time.Date(2025, 3, 4, 22, 0, 0, 0, london), mk, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, london)},
		{"UK early morning", "+447700900001", time.Date(2025, 3, 4, 7, 59, 0, 0, london), mk, Policy{}, time.Date(2025, 3, 4, 8, 0, 0, 0, london)},
		{"UK Friday night runs into the weekend", "+447700900001", time.Date(2025, 3, 7, 21, 30, 0, 0, london), mk, Policy{}, time.Date(2025, 3, 10, 8, 0, 0, 0, london)},
		{"UK Saturday noon", "+447700900001", time.Date(2025, 3, 8, 12, 0, 0, 0, london), mk, Policy{}, time.Date(2025, 3, 10, 8, 0, 0, 0, london)},
		{"UK Saturday noon, weekends allowed", "+447700900001", time.Date(2025, 3, 8, 12, 0, 0, 0, london), mk, Policy{QuietHours: QuietHours{Weekends: true}}, time.Time{}},
		{"Saudi Friday is weekend", "+966500000001", time.Date(2025, 3, 7, 12, 0, 0, 0, riyadh), mk, Policy{}, time.Date(2025, 3, 9, 8, 0, 0, 0, riyadh)},
		{"Saudi Sunday is a workday", "+966500000001", time.Date(2025, 3, 9, 12, 0, 0, 0, riyadh), mk, Policy{}, time.Time{}},
		// +1 spans zones: quiet in either New York or Los Angeles.
		{"US 08:30 New York is 05:30 Los Angeles", "+15550100001", time.Date(2025, 3, 4, 8, 30, 0, 0, ny), mk, Policy{}, time.Date(2025, 3, 4, 8, 0, 0, 0, la)},
		{"US 20:30 New York is fine", "+15550100001", time.Date(2025, 3, 4, 20, 30, 0, 0, ny), mk, Policy{}, time.Time{}},
		{"US 21:00 New York", "+15550100001", time.Date(2025, 3, 4, 21, 0, 0, 0, ny), mk, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, la)},
		{"per-send time zone", "+447700900001", time.Date(2025, 3, 4, 15, 0, 0, 0, london), SendInfo{Category: "MARKETING", TimeZone: riyadh}, Policy{}, time.Time{}},
		{"per-send time zone at night", "+447700900001", time.Date(2025, 3, 4, 20, 0, 0, 0, london), SendInfo{Category: "MARKETING", TimeZone: riyadh}, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, riyadh)},
		{"policy time zone", "+447700900001", time.Date(2025, 3, 4, 20, 0, 0, 0, london), mk, Policy{TimeZone: func(string) *time.Location { return riyadh }}, time.Date(2025, 3, 5, 8, 0, 0, 0, riyadh)},
		{"custom hours", "+447700900001", time.Date(2025, 3, 4, 19, 0, 0, 0, london), mk, Policy{QuietHours: QuietHours{Start: 18 * time.Hour, End: 9 * time.Hour}}, time.Date(2025, 3, 5, 9, 0, 0, 0, london)},
		{"disabled", "+447700900001", time.Date(2025, 3, 8, 23, 0, 0, 0, london), mk, Policy{QuietHours: QuietHours{Disabled: true}}, time.Time{}},
		{"utility is not marketing", "+447700900001", time.Date(2025, 3, 4, 23, 0, 0, 0, london), SendInfo{Category: "UTILITY"}, Policy{}, time.Time{}},
		{"unknown category counts as marketing", "+447700900001", time.Date(2025, 3, 4, 23, 0, 0, 0, london), SendInfo{}, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, london)},
		{"unknown calling code: UTC", "+9995550001", time.Date(2025, 3, 4, 22, 0, 0, 0, time.UTC), mk, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, time.UTC)},
		{"unknown calling code: default zone", "+9995550001", time.Date(2025, 3, 4, 22, 0, 0, 0, time.UTC), mk, Policy{DefaultTimeZone: la}, time.Time{}},
		{"business-scoped user ID of a known country", "GB.13491208655302741918", time.Date(2025, 3, 4, 22, 0, 0, 0, london), mk, Policy{}, time.Date(2025, 3, 5, 8, 0, 0, 0, london)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.OptInOptional = true
			g, _ := rulesGuard(tt.at, tt.p)
			err := g.Check(ctx, rulesPhone, rulesTemplate(tt.to, "promo"), tt.info)
			if tt.until.IsZero() {
				rulesWant(t, tt.name, err, nil, time.Time{})
				return
			}
			rulesWant(t, tt.name, err, ErrQuietHours, tt.until)
			// At RetryAt the send passes.
			g2, _ := rulesGuard(tt.until, tt.p)
			rulesWant(t, tt.name+" at RetryAt", g2.Check(ctx, rulesPhone, rulesTemplate(tt.to, "promo"), tt.info), nil, time.Time{})
		})
	}
}

func TestGuardQuietAroundTheClock(t *testing.T) {
	// Quiet 00:00-23:59 in two zones 12 hours apart: never allowed, no
	// retry time, no endless loop.
	a, b := time.FixedZone("A", 0), time.FixedZone("B", 12*3600)
	quiet, until := quietUntil(rulesT0, []*time.Location{a, b}, 0, 1*time.Minute, 23*time.Hour+59*time.Minute)
	if !quiet || !until.IsZero() {
		t.Fatalf("quietUntil = %v, %v; want quiet with no retry time", quiet, until)
	}
}

func TestGuardFrequencyCap(t *testing.T) {
	ctx := context.Background()
	mk := SendInfo{Category: "MARKETING"}
	start := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC) // a Tuesday
	g, clk := rulesGuard(start, Policy{OptInOptional: true, DefaultTimeZone: time.UTC})
	rulesWant(t, "first", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), mk), nil, time.Time{})
	clk.Advance(time.Hour)
	rulesWant(t, "second within 24 h (default cap 1/24h)", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), mk), ErrFrequencyCap, start.Add(24*time.Hour))
	rulesWant(t, "utility is not capped", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "t"), SendInfo{Category: "UTILITY"}), nil, time.Time{})

	g2, _ := rulesGuard(start, Policy{OptInOptional: true, DefaultTimeZone: time.UTC, MarketingCap: FrequencyCap{Limit: 2, Period: 7 * 24 * time.Hour}})
	for i := 0; i < 2; i++ {
		rulesWant(t, "2 per week", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), mk), nil, time.Time{})
	}
	rulesWant(t, "third per week", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), mk), ErrFrequencyCap, start.Add(7*24*time.Hour))
}

func TestGuardTierLimit(t *testing.T) {
	ctx := context.Background()
	utility := SendInfo{Category: "UTILITY"}
	g, clk := rulesGuard(rulesT0, Policy{OptInOptional: true})
	if err := g.SetTier(ctx, rulesPhone, Tier50); err != nil {
		t.Fatal(err)
	}
	// A user inside the window does not count.
	rulesObserve(t, g, rulesInbound(t, "15559990000", rulesT0, false))
	for i := 0; i < 50; i++ {
		rulesWant(t, "user", g.Check(ctx, rulesPhone, rulesTemplate(fmt.Sprintf("+1555000%04d", i), "t"), utility), nil, time.Time{})
		clk.Advance(time.Minute)
	}
	rulesWant(t, "51st user", g.Check(ctx, rulesPhone, rulesTemplate("+15550009999", "t"), utility), ErrTierLimit, rulesT0.Add(TierWindow))
	rulesWant(t, "repeat to a counted user", g.Check(ctx, rulesPhone, rulesTemplate("+15550000007", "t"), utility), nil, time.Time{})
	rulesWant(t, "reply inside the window", g.Check(ctx, rulesPhone, rulesText("+15559990000"), utility), nil, time.Time{})
	rulesWant(t, "template inside the window", g.Check(ctx, rulesPhone, rulesTemplate("+15559990000", "t"), utility), nil, time.Time{})

	// A higher tier (webhook) lifts the limit at once.
	rulesObserve(t, g, rulesNotification(t, "business_capability_update", `{"max_daily_conversations_per_business":"TIER_250"}`, clk.Now()))
	rulesWant(t, "after TIER_250", g.Check(ctx, rulesPhone, rulesTemplate("+15550009999", "t"), utility), nil, time.Time{})

	// An unknown tier falls back to DefaultTier.
	g2, clk2 := rulesGuard(rulesT0, Policy{OptInOptional: true, DefaultTier: Tier50})
	g2.SetTier(ctx, rulesPhone, Tier("TIER_5M"))
	for i := 0; i < 50; i++ {
		rulesWant(t, "unknown tier", g2.Check(ctx, rulesPhone, rulesTemplate(fmt.Sprintf("+1555000%04d", i), "t"), utility), nil, time.Time{})
		clk2.Advance(time.Second)
	}
	clk2.Set(rulesT0)
	rulesWant(t, "unknown tier, default 50", g2.Check(ctx, rulesPhone, rulesTemplate("+15550009999", "t"), utility), ErrTierLimit, rulesT0.Add(TierWindow))

	// Numbers of one portfolio share the budget; another portfolio has its
	// own.
	g3, clk3 := rulesGuard(rulesT0, Policy{OptInOptional: true, DefaultTier: Tier50, Portfolio: func(id string) string {
		if id == "3000" {
			return "other"
		}
		return "main"
	}})
	for i := 0; i < 50; i++ {
		phone := []string{"1055", "2077"}[i%2]
		rulesWant(t, "shared", g3.Check(ctx, phone, rulesTemplate(fmt.Sprintf("+1555000%04d", i), "t"), utility), nil, time.Time{})
		clk3.Advance(time.Second)
	}
	clk3.Set(rulesT0)
	rulesWant(t, "portfolio full", g3.Check(ctx, "1055", rulesTemplate("+15550009999", "t"), utility), ErrTierLimit, rulesT0.Add(TierWindow))
	rulesWant(t, "other portfolio", g3.Check(ctx, "3000", rulesTemplate("+15550009999", "t"), utility), nil, time.Time{})
}

func TestGuardPairAndThroughput(t *testing.T) {
	ctx := context.Background()
	g, clk := rulesGuard(rulesT0, Policy{})
	user := "15550001"
	rulesObserve(t, g, rulesInbound(t, user, rulesT0, false))
	for i := 0; i < 45; i++ {
		rulesWant(t, "burst", g.Check(ctx, rulesPhone, rulesText("+"+user), SendInfo{}), nil, time.Time{})
		clk.Advance(100 * time.Millisecond) // within the throughput
	}
	rulesWant(t, "46th", g.Check(ctx, rulesPhone, rulesText("+"+user), SendInfo{}), ErrPairRateLimited, rulesT0.Add(45*6*time.Second))

	// Throughput: 80 mps with a burst of 8; coexistence 20 with 2.
	g2, _ := rulesGuard(rulesT0, Policy{OptInOptional: true})
	utility := SendInfo{Category: "UTILITY"}
	for i := 0; i < ThroughputBurst(80); i++ {
		rulesWant(t, "throughput burst", g2.Check(ctx, rulesPhone, rulesTemplate(fmt.Sprint("+1555000", i), "t"), utility), nil, time.Time{})
	}
	rulesWant(t, "over 80 mps", g2.Check(ctx, rulesPhone, rulesTemplate("+15559999", "t"), utility), ErrRateLimited, rulesT0.Add(12500*time.Microsecond))
	g2.SetThroughput(ctx, "2077", ThroughputCoexistence)
	for i := 0; i < ThroughputBurst(20); i++ {
		g2.Check(ctx, "2077", rulesTemplate(fmt.Sprint("+1555000", i), "t"), utility)
	}
	rulesWant(t, "over 20 mps", g2.Check(ctx, "2077", rulesTemplate("+15559999", "t"), utility), ErrRateLimited, rulesT0.Add(50*time.Millisecond))
}

func TestGuardTemplateHealth(t *testing.T) {
	ctx := context.Background()
	utility := SendInfo{Category: "UTILITY"}
	g, clk := rulesGuard(rulesT0, Policy{OptInOptional: true})
	status := func(event, title string, at time.Time) *Notification {
		other := ""
		if title != "" {
			other = fmt.Sprintf(`,"other_info":{"title":%q,"description":"x"}`, title)
		}
		return rulesNotification(t, "message_template_status_update", fmt.Sprintf(
			`{"event":%q,"message_template_id":12345,"message_template_name":"ticket_update","message_template_language":"en-US","reason":null%s}`,
			event, other), at)
	}
	rulesObserve(t, g, status("PAUSED", "FIRST_PAUSE", rulesT0))
	rulesWant(t, "paused", g.Check(ctx, rulesPhone, rulesTemplate("+15550001", "ticket_update"), utility), ErrTemplatePaused, rulesT0.Add(3*time.Hour))
	rulesWant(t, "other template", g.Check(ctx, rulesPhone, rulesTemplate("+15550002", "other"), utility), nil, time.Time{})
	clk.Set(rulesT0.Add(3 * time.Hour))
	rulesWant(t, "after 3 h", g.Check(ctx, rulesPhone, rulesTemplate("+15550003", "ticket_update"), utility), nil, time.Time{})
	rulesObserve(t, g, status("DISABLED", "DISABLED", clk.Now()))
	err := g.Check(ctx, rulesPhone, rulesTemplate("+15550004", "ticket_update"), utility)
	rulesWant(t, "disabled", err, ErrTemplateDisabled, time.Time{})

	// A registry's status and category.
	g2, _ := rulesGuard(time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC), Policy{OptInOptional: true, DefaultTimeZone: time.UTC,
		Templates: func(name, lang string) (string, string, bool) {
			switch name {
			case "paused":
				return "UTILITY", "PAUSED", true
			case "promo":
				return "MARKETING", "APPROVED", true
			case "rejected":
				return "UTILITY", "REJECTED", true
			}
			return "", "", false
		}})
	rulesWant(t, "registry paused", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "paused"), SendInfo{}), ErrTemplatePaused, time.Time{})
	rulesWant(t, "registry rejected", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "rejected"), SendInfo{}), ErrTemplateNotFound, time.Time{})
	// The registry says MARKETING: quiet hours apply at 23:00.
	rulesWant(t, "registry category", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), SendInfo{}), ErrQuietHours, time.Date(2025, 3, 5, 8, 0, 0, 0, time.UTC))
	// SendInfo.Category overrides it.
	rulesWant(t, "category override", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), SendInfo{Category: "UTILITY"}), nil, time.Time{})
}

func TestGuardObserveThroughputAndTier(t *testing.T) {
	ctx := context.Background()
	g, _ := rulesGuard(rulesT0, Policy{OptInOptional: true})
	// The number is learnt from a message webhook's metadata.
	rulesObserve(t, g, rulesInbound(t, "15550001", rulesT0, false))
	rulesObserve(t, g, rulesNotification(t, "phone_number_quality_update",
		`{"display_phone_number":"+1 555-078-3881","event":"THROUGHPUT_UPGRADE","max_daily_conversations_per_business":"TIER_UNLIMITED"}`, rulesT0))
	st, err := g.st().Load(ctx, StateKey{Phone: rulesPhone, Portfolio: ""})
	if err != nil {
		t.Fatal(err)
	}
	if st.Throughput != ThroughputHigh || st.Tier != TierUnlimited {
		t.Fatalf("after THROUGHPUT_UPGRADE: throughput %q tier %q", st.Throughput, st.Tier)
	}
	utility := SendInfo{Category: "UTILITY"}
	for i := 0; i < ThroughputBurst(1000); i++ {
		rulesWant(t, "1000 mps burst", g.Check(ctx, rulesPhone, rulesTemplate(fmt.Sprint("+1555000", i), "t"), utility), nil, time.Time{})
	}
	rulesWant(t, "over 1000 mps", g.Check(ctx, rulesPhone, rulesTemplate("+15559999", "t"), utility), ErrRateLimited, rulesT0.Add(time.Millisecond))

	// Legacy numeric capability: -1 per phone is unlimited.
	rulesObserve(t, g, rulesNotification(t, "business_capability_update", `{"max_daily_conversation_per_phone":250}`, rulesT0.Add(time.Second)))
	st, _ = g.st().Load(ctx, StateKey{})
	if st.Tier != Tier250 {
		t.Fatalf("legacy per-phone limit 250: tier %q", st.Tier)
	}
	// Template quality updates reach the health log.
	rulesObserve(t, g, rulesNotification(t, "message_template_quality_update",
		`{"previous_quality_score":"GREEN","new_quality_score":"RED","message_template_id":1,"message_template_name":"promo","message_template_language":"en_US"}`, rulesT0))
	st, _ = g.st().Load(ctx, StateKey{Template: TemplateRef{"promo", "en_US"}})
	if h := TemplateHealthOf(st.TemplateEvents); h.Quality != QualityRed {
		t.Fatalf("template quality = %q", h.Quality)
	}
	// Nil and empty notifications are harmless.
	if err := g.Observe(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := g.Observe(ctx, &Notification{}); err != nil {
		t.Fatal(err)
	}
}

func TestGuardFreeEntryPoint(t *testing.T) {
	ctx := context.Background()
	g, clk := rulesGuard(rulesT0, Policy{})
	user := "15550001"
	rulesObserve(t, g, rulesInbound(t, user, rulesT0, true)) // arrives from an ad

	clk.Advance(time.Hour)
	r, err := g.Reserve(ctx, rulesPhone, rulesText("+"+user), SendInfo{})
	if err != nil {
		t.Fatal(err)
	}
	free := Billing{PricingReferralConversion, PricingFreeEntryPoint, false}
	if r.Billing != free {
		t.Fatalf("the opening reply: %+v", r.Billing)
	}
	if err := r.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// 60 hours on, the customer service window is closed (no opt-in: a
	// template needs one), but a template is free.
	g.SetOptIn(ctx, user, true)
	clk.Set(rulesT0.Add(61 * time.Hour))
	r, err = g.Reserve(ctx, rulesPhone, rulesTemplate("+"+user, "t"), SendInfo{Category: "UTILITY"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Billing != free {
		t.Fatalf("a template 60 h into the free entry point window: %+v", r.Billing)
	}
	rulesWant(t, "text after the customer service window", g.Check(ctx, rulesPhone, rulesText("+"+user), SendInfo{}), ErrWindowClosed, time.Time{})
	clk.Set(rulesT0.Add(73 * time.Hour))
	r, _ = g.Reserve(ctx, rulesPhone, rulesTemplate("+"+user, "t"), SendInfo{Category: "UTILITY"})
	if r.Billing.Billable != true {
		t.Fatalf("after 72 h: %+v", r.Billing)
	}

	// Check counts a send as made: it opens the window too.
	g3, clk3 := rulesGuard(rulesT0, Policy{})
	rulesObserve(t, g3, rulesInbound(t, user, rulesT0, true))
	clk3.Advance(time.Minute)
	if err := g3.Check(ctx, rulesPhone, rulesText("+"+user), SendInfo{}); err != nil {
		t.Fatal(err)
	}
	st3, _ := g3.st().Load(ctx, StateKey{Phone: rulesPhone, User: user})
	if !st3.EntryPoint.IsOpen(rulesT0.Add(time.Hour)) {
		t.Fatalf("Check did not open the free entry point window: %+v", st3.EntryPoint)
	}

	// A status priced free_entry_point confirms the window when the
	// referral was never seen.
	g2, _ := rulesGuard(rulesT0, Policy{})
	exp := rulesT0.Add(72 * time.Hour)
	rulesObserve(t, g2, rulesNotification(t, "messages", fmt.Sprintf(`{"messaging_product":"whatsapp",
		"metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
		"statuses":[{"id":"wamid.out","status":"sent","timestamp":"%d","recipient_id":"15550002",
		"conversation":{"id":"c1","expiration_timestamp":"%d","origin":{"type":"referral_conversion"}},
		"pricing":{"billable":false,"pricing_model":"PMP","type":"free_entry_point","category":"referral_conversion"}}]}`,
		rulesPhone, rulesT0.Unix(), exp.Unix()), rulesT0))
	st, _ := g2.st().Load(ctx, StateKey{Phone: rulesPhone, User: "15550002"})
	if !st.EntryPoint.OpenedAt.Equal(rulesT0) || !st.EntryPoint.ClosesAt().Equal(exp) {
		t.Fatalf("free entry point from the status: %+v", st.EntryPoint)
	}
}

func TestGuardReservationCancel(t *testing.T) {
	ctx := context.Background()
	utility := SendInfo{Category: "UTILITY"}
	g, _ := rulesGuard(rulesT0, Policy{OptInOptional: true, DefaultTier: Tier50})
	var rs []*Reservation
	for i := 0; i < 50; i++ {
		r, err := g.Reserve(ctx, rulesPhone, rulesTemplate(fmt.Sprintf("+1555000%04d", i), "t"), utility)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
		if i%8 == 7 {
			// Past the throughput burst: let the clock move.
			g.Clock = clock.NewFake(rulesT0.Add(time.Duration(i) * time.Second)).Now
		}
	}
	rulesWant(t, "51st", g.Check(ctx, rulesPhone, rulesTemplate("+15550009999", "t"), utility), ErrTierLimit, rulesT0.Add(TierWindow))
	if err := rs[3].Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	rs[3].Cancel(ctx) // twice: nothing more
	rs[3].Commit(ctx) // after Cancel: nothing
	rulesWant(t, "after one cancel", g.Check(ctx, rulesPhone, rulesTemplate("+15550009999", "t"), utility), nil, time.Time{})
	rulesWant(t, "and no more", g.Check(ctx, rulesPhone, rulesTemplate("+15550009998", "t"), utility), ErrTierLimit, rulesT0.Add(TierWindow))

	// Marketing frequency is given back too.
	g2, _ := rulesGuard(time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC), Policy{OptInOptional: true, DefaultTimeZone: time.UTC})
	r, err := g2.Reserve(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), SendInfo{Category: "MARKETING"})
	if err != nil {
		t.Fatal(err)
	}
	r.Cancel(ctx)
	rulesWant(t, "marketing after cancel", g2.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "promo"), SendInfo{Category: "MARKETING"}), nil, time.Time{})
	// Nil reservations are harmless.
	var nilRes *Reservation
	if nilRes.Cancel(ctx) != nil || nilRes.Commit(ctx) != nil {
		t.Fatal("nil reservation")
	}
}

func TestGuardBadInput(t *testing.T) {
	ctx := context.Background()
	g, clk := rulesGuard(rulesT0, Policy{OptInOptional: true})
	var nilTemplate *Template
	tests := []struct {
		name string
		m    Message
	}{
		{"no content", Message{To: "+15550001"}},
		{"nil template pointer", Message{To: "+15550001", Content: nilTemplate}},
		{"no recipient", Message{Content: Text{Body: "x"}}},
	}
	for _, tt := range tests {
		if err := g.Check(ctx, rulesPhone, tt.m, SendInfo{}); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: %v, want ErrInvalidMessage", tt.name, err)
		}
	}
	// A *Template works like a Template.
	if err := g.Check(ctx, rulesPhone, Message{To: "+15550001", Content: &Template{Name: "t", Language: "en-US"}}, SendInfo{Category: "UTILITY"}); err != nil {
		t.Fatalf("*Template: %v", err)
	}
	// A zero clock: every window closed, nothing panics.
	clk.Set(time.Time{})
	rulesWant(t, "zero clock text", g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{}), ErrWindowClosed, time.Time{})
	g.Check(ctx, rulesPhone, rulesTemplate("+15550001", "t"), SendInfo{Category: "MARKETING"})
	// A far-future webhook timestamp is clamped to the clock (+ skew): it
	// does not hold the window open for years.
	clk.Set(rulesT0)
	rulesObserve(t, g, rulesInbound(t, "15550002", time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC), false))
	clk.Set(rulesT0.Add(25 * time.Hour))
	rulesWant(t, "far-future webhook", g.Check(ctx, rulesPhone, rulesText("+15550002"), SendInfo{}), ErrWindowClosed, time.Time{})
	// A far-future clock: no overflow, no panic.
	clk.Set(time.Unix(1<<62, 0))
	g.Check(ctx, rulesPhone, rulesTemplate("+15550003", "t"), SendInfo{Category: "MARKETING"})
	g.Check(ctx, rulesPhone, rulesText("+15550003"), SendInfo{})
	// Group recipients skip the per-user rules.
	clk.Set(rulesT0)
	if err := g.Check(ctx, rulesPhone, Message{To: "group-1", RecipientType: "group", Content: Text{Body: "x"}}, SendInfo{}); err != nil {
		t.Fatalf("group text: %v", err)
	}
}

// rulesFailingStore fails every call.
type rulesFailingStore struct{}

var errRulesStore = errors.New("store down")

func (rulesFailingStore) Load(context.Context, StateKey) (State, error) {
	return State{}, errRulesStore
}
func (rulesFailingStore) Record(context.Context, ...Fact) error { return errRulesStore }
func (rulesFailingStore) Reserve(context.Context, Usage) (Grant, error) {
	return Grant{}, errRulesStore
}
func (rulesFailingStore) Release(context.Context, Grant) error { return errRulesStore }

func TestGuardStoreFailure(t *testing.T) {
	ctx := context.Background()
	g := &Guard{Store: rulesFailingStore{}}
	err := g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{})
	var se *StoreError
	if !errors.As(err, &se) || !errors.Is(err, errRulesStore) || se.Op != "load" {
		t.Fatalf("Check on a failing store: %v", err)
	}
	if err := g.Observe(ctx, rulesInbound(t, "15550001", time.Now(), false)); !errors.Is(err, errRulesStore) {
		t.Fatalf("Observe on a failing store: %v", err)
	}
	g = &Guard{Store: rulesFailingStore{}, Policy: Policy{FailOpen: true}}
	if err := g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{}); err != nil {
		t.Fatalf("FailOpen: %v", err)
	}
}

func TestRuleErrorText(t *testing.T) {
	e := &RuleError{Rule: "pair-rate", Err: ErrPairRateLimited, RetryAt: rulesT0, PhoneNumberID: "1055", To: "+15550001"}
	got := e.Error()
	if got != "whatsapp: guard: pair rate limit reached for this recipient (retry at 2025-03-03T12:00:00Z)" {
		t.Fatalf("Error() = %q", got)
	}
	if strings.Contains(got, "15550001") {
		t.Fatal("the recipient leaks into the error text")
	}
}

// TestGuardWithClient: Send runs the Guard, refuses locally without an
// HTTP request, and gives the tier budget back when the API refuses.
func TestGuardWithClient(t *testing.T) {
	ctx := context.Background()
	// Send has no SendInfo: without Policy.Templates, templates count as
	// marketing; this test is about the tier.
	g, _ := rulesGuard(rulesT0, Policy{OptInOptional: true, DefaultTier: Tier50,
		QuietHours: QuietHours{Disabled: true}, MarketingCap: FrequencyCap{Limit: -1}})
	c, mux := testSetup(t, WithGuard(g))
	var calls atomic.Int32
	mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "refuse_me") {
			writeJSON(w, http.StatusBadRequest, `{"error":{"message":"(#132001) Template name does not exist in the translation","type":"OAuthException","code":132001,"fbtrace_id":"x"}}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"messaging_product":"whatsapp","contacts":[{"input":"+15550001","wa_id":"15550001"}],"messages":[{"id":"wamid.1"}]}`)
	})

	// Refused locally: no request.
	_, err := c.Send(ctx, rulesPhone, rulesText("+15550001"))
	rulesWant(t, "text outside the window", err, ErrWindowClosed, time.Time{})
	if calls.Load() != 0 {
		t.Fatal("a refused send reached the API")
	}
	// Fill the tier with 49 sends; the 50th fails at the API and is given
	// back, so one more fits.
	for i := 0; i < 49; i++ {
		g.Clock = clock.NewFake(rulesT0.Add(time.Duration(i) * time.Second)).Now
		if _, err := c.Send(ctx, rulesPhone, rulesTemplate(fmt.Sprintf("+1555000%04d", i), "ok")); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	g.Clock = clock.NewFake(rulesT0.Add(time.Minute)).Now
	if _, err := c.Send(ctx, rulesPhone, rulesTemplate("+15550009998", "refuse_me")); !errors.Is(err, ErrTemplateNotFound) {
		t.Fatalf("API refusal: %v", err)
	}
	if _, err := c.Send(ctx, rulesPhone, rulesTemplate("+15550009999", "ok")); err != nil {
		t.Fatalf("50th user after the refused send was given back: %v", err)
	}
	_, err = c.Send(ctx, rulesPhone, rulesTemplate("+15550009997", "ok"))
	rulesWant(t, "51st user", err, ErrTierLimit, rulesT0.Add(TierWindow))
	if n := calls.Load(); n != 51 {
		t.Fatalf("%d requests, want 51", n)
	}
}

func TestNotSent(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&APIError{Code: 131047, HTTPStatus: 400}, true},
		{&APIError{Code: 130429, HTTPStatus: 429}, true},
		{&APIError{Code: 131000, HTTPStatus: 500}, false},
		{fmt.Errorf("whatsapp: POST /v23.0/1/messages: %w", context.Canceled), false},
		{context.Canceled, true},
		{invalid("to", "x", nil), true},
		{&RuleError{Err: ErrTierLimit}, true},
		{fmt.Errorf("whatsapp: no access token: %w", ErrUnauthorized), true},
		{errors.New("whatsapp: POST /v23.0/1/messages: connection reset"), false},
	}
	for _, tt := range tests {
		if got := notSent(tt.err); got != tt.want {
			t.Errorf("notSent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestGuardProperty: for random send/receive sequences, the Guard never
// lets a free-form message through outside the window, and never lets the
// number of unique business-initiated recipients in any 24-hour span
// exceed the tier.
func TestGuardProperty(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(24, 50))
	const limit = 50
	for iter := 0; iter < 60; iter++ {
		g, clk := rulesGuard(rulesT0, Policy{OptInOptional: true, DefaultTier: Tier50, QuietHours: QuietHours{Disabled: true}})
		users := 60 + r.IntN(100)
		lastMsg := map[int]time.Time{} // oracle: each user's last message
		type send struct {
			user int
			at   time.Time
		}
		var initiated []send
		now := rulesT0
		for step := 0; step < 600; step++ {
			now = now.Add(time.Duration(r.Int64N(int64(20 * time.Minute))))
			clk.Set(now)
			u := r.IntN(users)
			to := fmt.Sprintf("+1555%07d", u)
			switch op := r.IntN(10); {
			case op < 3: // the user writes (the webhook may be late)
				at := now.Add(-time.Duration(r.Int64N(int64(time.Hour))))
				rulesObserve(t, g, rulesInbound(t, to[1:], at, false))
				if at.After(lastMsg[u]) {
					lastMsg[u] = at
				}
			case op < 6: // free-form
				err := g.Check(ctx, rulesPhone, rulesText(to), SendInfo{})
				open := !lastMsg[u].IsZero() && now.Sub(lastMsg[u]) < 24*time.Hour
				if err == nil && !open {
					t.Fatalf("iter %d step %d: free-form message to %d admitted outside the window", iter, step, u)
				}
				if errors.Is(err, ErrWindowClosed) && open {
					t.Fatalf("iter %d step %d: window open but refused", iter, step)
				}
			default: // template
				err := g.Check(ctx, rulesPhone, rulesTemplate(to, "t"), SendInfo{Category: "UTILITY"})
				open := !lastMsg[u].IsZero() && now.Sub(lastMsg[u]) < 24*time.Hour
				if err == nil && !open {
					initiated = append(initiated, send{u, now})
				}
				if err != nil && !errors.Is(err, ErrTierLimit) && !errors.Is(err, ErrPairRateLimited) {
					t.Fatalf("iter %d step %d: template refused: %v", iter, step, err)
				}
			}
		}
		for _, s := range initiated {
			seen := map[int]bool{}
			for _, o := range initiated {
				if !o.at.Before(s.at) && o.at.Before(s.at.Add(24*time.Hour)) {
					seen[o.user] = true
				}
			}
			if len(seen) > limit {
				t.Fatalf("iter %d: %d unique business-initiated recipients in the 24 h from %v, tier %d", iter, len(seen), s.at, limit)
			}
		}
	}
}

// TestGuardConcurrent runs Check and Observe together (run with -race).
func TestGuardConcurrent(t *testing.T) {
	ctx := context.Background()
	g := &Guard{Policy: Policy{OptInOptional: true, DefaultTier: Tier250, QuietHours: QuietHours{Disabled: true}}}
	var wg sync.WaitGroup
	var admitted sync.Map
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				rulesObserve(t, g, rulesInbound(t, fmt.Sprintf("1555%07d", (w*300+i)%500), time.Now(), i%7 == 0))
			}
		}(w)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				u := 1000 + (w*300+i)%600
				err := g.Check(ctx, rulesPhone, rulesTemplate(fmt.Sprintf("+1555%07d", u), "t"), SendInfo{Category: "UTILITY"})
				if err == nil {
					admitted.Store(u, true)
				} else if !errors.Is(err, ErrTierLimit) && !errors.Is(err, ErrRateLimited) && !errors.Is(err, ErrPairRateLimited) {
					t.Errorf("Check: %v", err)
				}
			}
		}(w)
	}
	wg.Wait()
	n := 0
	admitted.Range(func(any, any) bool { n++; return true })
	if n > 250 {
		t.Fatalf("%d distinct business-initiated users admitted concurrently against TIER_250", n)
	}
}

// BenchmarkGuardCheck measures Guard.Check on a MemoryStore: a free-form
// reply inside the window (the common case) and a utility template
// outside it (tier budget counted), serially and in parallel; and the
// floor, a bare x/time/rate limiter's Allow plus a map lookup.
func BenchmarkGuardCheck(b *testing.B) {
	ctx := context.Background()
	const users = 1 << 14
	tos := make([]string, users)
	for i := range tos {
		tos[i] = fmt.Sprintf("+1555%07d", i)
	}
	setup := func(b *testing.B, openWindows bool) (*Guard, *atomic.Int64) {
		b.Helper()
		var ticks atomic.Int64
		g := &Guard{Policy: Policy{OptInOptional: true, DefaultTier: Tier100K}}
		// Each check advances fake time by 1/1000 s: within the 1,000 mps
		// throughput; each user comes back every 16 s, within the pair
		// limit.
		g.Clock = func() time.Time { return rulesT0.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
		g.SetThroughput(ctx, rulesPhone, ThroughputHigh)
		if openWindows {
			for i := range tos {
				g.Record(ctx, Fact{Kind: FactUserMessage, Phone: rulesPhone, User: tos[i], At: rulesT0.Add(time.Hour)})
			}
		}
		return g, &ticks
	}
	run := func(b *testing.B, g *Guard, msg func(i int) Message, info SendInfo) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := g.Check(ctx, rulesPhone, msg(i), info); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}
	texts := make([]Message, users)
	tmpls := make([]Message, users)
	for i := range tos {
		texts[i], tmpls[i] = rulesText(tos[i]), rulesTemplate(tos[i], "ticket_update")
	}
	text := func(i int) Message { return texts[i%users] }
	tmpl := func(i int) Message { return tmpls[i%users] }
	b.Run("reply_in_window", func(b *testing.B) {
		g, _ := setup(b, true)
		run(b, g, text, SendInfo{})
	})
	b.Run("template_outside_window", func(b *testing.B) {
		g, _ := setup(b, false)
		run(b, g, tmpl, SendInfo{Category: "UTILITY"})
	})
	b.Run("reply_in_window_parallel", func(b *testing.B) {
		g, _ := setup(b, true)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1))
				// Parallel callers reach the pair and throughput limits in
				// fake time: refusals are decisions too.
				g.Check(ctx, rulesPhone, text(i), SendInfo{})
			}
		})
	})
	b.Run("floor_rate_allow_map", func(b *testing.B) {
		// The floor: what any in-process limiter costs at least.
		lim := newRulesFloor()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			lim.allow(tos[i%users], rulesT0.Add(time.Duration(i)*time.Millisecond))
			i++
		}
	})
}

// TestGuardTemplateRegistryAdapter checks the adapter Policy.Templates
// documents, against the package's TemplateRegistry.
func TestGuardTemplateRegistryAdapter(t *testing.T) {
	ctx := context.Background()
	var reg TemplateRegistry
	reg.Put("WABA1", MessageTemplate{Name: "spring_sale", Language: "en_US", Category: "MARKETING", Status: "APPROVED"})
	reg.Put("WABA1", MessageTemplate{Name: "old_offer", Language: "en_US", Category: "MARKETING", Status: "PAUSED"})
	reg.Put("WABA1", MessageTemplate{Name: "receipt", Language: "en_US", Category: "UTILITY", Status: "APPROVED"})
	night := time.Date(2025, 3, 4, 23, 0, 0, 0, time.UTC)
	g, _ := rulesGuard(night, Policy{OptInOptional: true, DefaultTimeZone: time.UTC,
		Templates: func(name, lang string) (string, string, bool) {
			t, ok := reg.LookupTemplate(name, lang)
			return string(t.Category), string(t.Status), ok
		}})
	rulesWant(t, "marketing at night", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "spring_sale"), SendInfo{}), ErrQuietHours, time.Date(2025, 3, 5, 8, 0, 0, 0, time.UTC))
	rulesWant(t, "paused", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "old_offer"), SendInfo{}), ErrTemplatePaused, time.Time{})
	rulesWant(t, "utility at night", g.Check(ctx, rulesPhone, rulesTemplate("+9995550001", "receipt"), SendInfo{}), nil, time.Time{})
}

// TestGuardObserveThroughWebhookHandler plugs Observe into the webhook
// handler: a signed POST of a user message opens the window; a redelivery
// changes nothing.
func TestGuardObserveThroughWebhookHandler(t *testing.T) {
	ctx := context.Background()
	g, clk := rulesGuard(rulesT0, Policy{})
	const secret = "rules-test-secret"
	srv := httptest.NewServer(NewWebhookHandler(WebhookConfig{AppSecret: secret, OnNotification: g.Observe}))
	defer srv.Close()
	post := func(body string) {
		t.Helper()
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(body))
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	rulesWant(t, "before the webhook", g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{}), ErrWindowClosed, time.Time{})
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA1","changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
		"contacts":[{"profile":{"name":"A"},"wa_id":"15550001"}],
		"messages":[{"from":"15550001","id":"wamid.hook1","timestamp":"%d","type":"text","text":{"body":"hi"}}]}}]}]}`,
		rulesPhone, rulesT0.Unix())
	post(body)
	post(body) // redelivery
	clk.Advance(time.Minute)
	rulesWant(t, "after the webhook", g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{}), nil, time.Time{})
	clk.Set(rulesT0.Add(WindowDuration))
	rulesWant(t, "24 h later", g.Check(ctx, rulesPhone, rulesText("+15550001"), SendInfo{}), ErrWindowClosed, time.Time{})
}

// TestGuardGivesBackWhenAnotherCheckRefuses: a send refused locally after
// the Guard admitted it (by the template registry installed after the
// Guard, or by a bad client configuration) never reached the platform, so
// the Guard's reservation is given back, whatever the order of the options.
func TestGuardGivesBackWhenAnotherCheckRefuses(t *testing.T) {
	ctx := context.Background()
	promo := func(name, to string) Message {
		return Message{To: to, Content: Template{Name: name, Language: "en_US"}}
	}
	newGuard := func() *Guard {
		// Marketing capped at one per user per day.
		g, _ := rulesGuard(rulesT0, Policy{OptInOptional: true, QuietHours: QuietHours{Disabled: true},
			MarketingCap: FrequencyCap{Limit: 1, Period: 24 * time.Hour}})
		return g
	}
	reg := &TemplateRegistry{}
	reg.Put("WABA1", MessageTemplate{Name: "paused_promo", Language: "en_US", Status: TemplateStatus("PAUSED"), Category: TemplateCategory("MARKETING")})
	reg.Put("WABA1", MessageTemplate{Name: "promo", Language: "en_US", Status: TemplateStatus("APPROVED"), Category: TemplateCategory("MARKETING")})

	for _, order := range []string{"guard first", "registry first"} {
		t.Run(order, func(t *testing.T) {
			g := newGuard()
			opts := []Option{WithGuard(g), WithTemplateRegistry(reg)}
			if order == "registry first" {
				opts = []Option{WithTemplateRegistry(reg), WithGuard(g)}
			}
			c, mux := testSetup(t, opts...)
			mux.HandleFunc("/v23.0/1055/messages", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, okSend)
			})
			if _, err := c.Send(ctx, rulesPhone, promo("paused_promo", "+15550004444")); !errors.Is(err, ErrTemplatePaused) {
				t.Fatalf("paused template: %v", err)
			}
			if _, err := c.Send(ctx, rulesPhone, promo("promo", "+15550004444")); err != nil {
				t.Fatalf("the refused send used up the marketing cap: %v", err)
			}
		})
	}

	t.Run("bad base URL", func(t *testing.T) {
		g := newGuard()
		c := NewClient("t", WithGuard(g), WithBaseURL("graph.example.com"))
		if _, err := c.Send(ctx, rulesPhone, promo("promo", "+15550005555")); err == nil || errors.Is(err, ErrFrequencyCap) {
			t.Fatalf("first send: %v", err)
		}
		_, err := c.Send(ctx, rulesPhone, promo("promo", "+15550005555"))
		if errors.Is(err, ErrFrequencyCap) {
			t.Fatalf("a send that never left the process used up the cap: %v", err)
		}
	})
}
