package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := demo(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, w := range []string{
		"+81312345678 skipped: quiet-hours",
		"+15551230001 skipped: opt-in",
		"+447700990001 skipped: marketing-opt-out",
		"[ 55/62] 50 sent",
		"+447700900049 skipped: tier",
		"+447700990002 failed later (status webhook): code 131026",
		"rate-limited calls retried by the client: 2",
		"sent 49, skipped by rule 12 (marketing-opt-out 1, opt-in 2, quiet-hours 2, tier 7), failed 1 (131026 1)",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("missing %q in:\n%s", w, out.String())
		}
	}
}

// TestBroadcasterFailures: a template paused mid-broadcast fails the rest
// with 132015 (counted as failed, not retried), and waits the Guard asks
// for move the fake clock instead of sleeping.
func TestBroadcasterFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Date(2025, time.March, 4, 14, 0, 0, 0, time.UTC)
	srv := whatsapptest.NewServer(whatsapptest.WithClock(whatsapptest.NewClock(start)), whatsapptest.WithStatuses())
	defer srv.Close()
	id, err := srv.AddTemplate(SpringSale)
	if err != nil {
		t.Fatal(err)
	}
	guard := &whatsapp.Guard{Clock: srv.Clock.Now, Policy: whatsapp.Policy{
		OptInOptional: true,
		Templates:     func(string, string) (string, string, bool) { return "MARKETING", "APPROVED", true },
	}}
	var list []Recipient
	for i := range 30 {
		list = append(list, Recipient{Phone: fmt.Sprintf("+44770091%04d", i), Name: "C"})
	}
	var waits int
	b := &Broadcaster{
		Client:        srv.Client(whatsapp.WithGuard(guard), whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 1})),
		PhoneNumberID: srv.PhoneNumberID, Template: SpringSale, Clock: srv.Clock.Now,
		Wait: func(_ context.Context, until time.Time) error {
			waits++
			if id != "" && len(srv.Messages()) >= 20 {
				srv.SetTemplateStatus(id, whatsapp.TemplateStatusPaused, "")
				id = ""
			}
			srv.Clock.Set(until)
			return nil
		},
	}
	sum, err := b.Run(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if waits == 0 || !srv.Clock.Now().After(start) {
		t.Errorf("waits = %d, clock %v: the Guard's throughput limit should have asked for waits", waits, srv.Clock.Now())
	}
	if sum.Sent < 20 || sum.Sent+sum.Failed[132015] != 30 || sum.Failed[132015] == 0 {
		t.Errorf("summary = %+v", sum)
	}

	// A cancelled context stops the run.
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if _, err := b.Run(cctx, list); err == nil {
		t.Error("cancelled run: no error")
	}
}

func TestSummaryString(t *testing.T) {
	s := Summary{Sent: 3, Skipped: map[string]int{"tier": 2, "opt-in": 1}, Failed: map[int]int{}}
	if got, want := s.String(), "sent 3, skipped by rule 3 (opt-in 1, tier 2), failed 0"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
