package redisstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
)

// TestOutage stops Redis in the middle of traffic: every call fails with
// an *Error matching ErrUnavailable (through the Guard's *StoreError too),
// nothing panics, FailOpen admits as documented, a webhook delivery is
// answered 500; when Redis returns on the same port, the same clients
// work again without being rebuilt.
func TestOutage(t *testing.T) {
	srv := needServer(t)
	rdb := srv.client(t)
	ctx := ctxT(t)
	prefix := testPrefix()
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, nil))
	s := New(rdb, &Options{Prefix: prefix})
	open := New(rdb, &Options{Prefix: prefix, FailOpen: true, Logger: logger})
	d := NewDeduper(rdb, &DeduperOptions{Prefix: prefix})
	dOpen := NewDeduper(rdb, &DeduperOptions{Prefix: prefix, FailOpen: true, Logger: logger})
	var tick atomic.Int64
	guard := &whatsapp.Guard{Store: s, Clock: func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * time.Second) },
		Policy: whatsapp.Policy{OptInOptional: true, DefaultTier: whatsapp.Tier250}}
	msg := func(i int) whatsapp.Message {
		return whatsapp.Message{To: "+1555000" + string(rune('0'+i%10)), Content: whatsapp.Template{Name: "t", Language: "en"}}
	}
	info := whatsapp.SendInfo{Category: "UTILITY"}
	usage := whatsapp.Usage{At: t0, Phone: "2077", User: "15559999", Portfolio: "p2", Tier: 10, Throughput: 80, // apart from the Guard traffic
		Pair: &whatsapp.PairLimit{}, Frequency: whatsapp.FrequencyCap{Limit: 5, Period: time.Hour}}
	hook := httptest.NewServer(whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{AppSecret: testAppSecret, Deduper: d,
		OnStatus: func(context.Context, *whatsapp.Status) error { return nil }}))
	t.Cleanup(hook.Close)
	body := testStatusBatch(t, 3)

	if err := guard.Check(ctx, "1055", msg(0), info); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	g, err := s.Reserve(ctx, usage)
	if err != nil || !g.OK {
		t.Fatalf("before the outage: %+v, %v", g, err)
	}

	// Traffic while Redis stops and comes back.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var unexpected atomic.Value
	var failed, passed atomic.Int64
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 8 {
				select {
				case <-stop:
					return
				default:
				}
				err := guard.Check(ctx, "1055", msg(i), info)
				var re *whatsapp.RuleError
				switch {
				case err == nil || errors.As(err, &re):
					passed.Add(1)
				case errors.Is(err, ErrUnavailable):
					failed.Add(1)
				default:
					unexpected.Store(err)
				}
			}
		}()
	}
	for passed.Load() < 50 {
		// Let the traffic run before the stop.
		if err := ctx.Err(); err != nil {
			t.Fatal(err)
		}
		runtimeGosched()
	}
	srv.stop()

	// Every method, typed.
	var se *whatsapp.StoreError
	checkErr := func(name, op string, err error) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Op != op || !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s during the outage: %v (%T), want an *Error of op %q matching ErrUnavailable", name, err, err, op)
		}
	}
	_, err = s.Load(ctx, whatsapp.StateKey{Phone: "1055", User: "15550001"})
	checkErr("Load", "load", err)
	checkErr("Record", "record", s.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactOptIn, User: "u", On: true, At: t0}))
	checkErr("Record (several facts)", "record", s.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactOptIn, User: "u", On: true, At: t0},
		whatsapp.Fact{Kind: whatsapp.FactTier, Value: "TIER_2K", At: t0}))
	_, err = s.Reserve(ctx, usage)
	checkErr("Reserve", "reserve", err)
	checkErr("Release", "release", s.Release(ctx, g))
	_, err = d.Claim(ctx, "m:x")
	checkErr("Claim", "claim", err)
	checkErr("Done", "done", d.Done(ctx, "m:x"))
	if ok, _ := d.Claim(ctx, "m:y"); ok {
		t.Error("Claim reported true during the outage")
	}
	if err := guard.Check(ctx, "1055", msg(1), info); !errors.As(err, &se) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("Guard.Check during the outage: %v, want a *StoreError matching ErrUnavailable", err)
	}
	if code, err := post(ctx, hook.URL, body); err != nil || code != http.StatusInternalServerError {
		t.Errorf("webhook during the outage: %d, %v; want 500 so that Meta delivers it again", code, err)
	}

	// FailOpen, as documented.
	if g, err := open.Reserve(ctx, usage); err != nil || !g.OK || g.TierCounted || g.Seq != 0 {
		t.Errorf("FailOpen Reserve: %+v, %v; want admitted, nothing counted", g, err)
	}
	if err := open.Release(ctx, g); err != nil {
		t.Errorf("FailOpen Release: %v", err)
	}
	if _, err := open.Load(ctx, whatsapp.StateKey{User: "u"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("FailOpen Load: %v, want the error (state is not made up)", err)
	}
	if err := open.Record(ctx, whatsapp.Fact{Kind: whatsapp.FactOptIn, User: "u", On: true, At: t0}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("FailOpen Record: %v, want the error (facts are not dropped)", err)
	}
	if ok, err := dOpen.Claim(ctx, "m:z"); !ok || err != nil {
		t.Errorf("FailOpen Claim: %v, %v; want true", ok, err)
	}
	if err := dOpen.Done(ctx, "m:z"); err != nil {
		t.Errorf("FailOpen Done: %v", err)
	}
	logMu.Lock()
	if n := strings.Count(logs.String(), "failed open"); n != 4 {
		t.Errorf("%d fail-open errors logged, want 4:\n%s", n, logs.String())
	}
	logMu.Unlock()

	// Redis returns, empty (it keeps nothing on disk in these tests).
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	before := passed.Load()
	for passed.Load() < before+50 {
		if err := ctx.Err(); err != nil {
			t.Fatalf("no check passed after Redis returned: %v", err)
		}
		runtimeGosched()
	}
	close(stop)
	wg.Wait()
	if err, _ := unexpected.Load().(error); err != nil {
		t.Fatalf("a check failed with an untyped error: %v", err)
	}
	if failed.Load() == 0 {
		t.Error("no concurrent check saw the outage")
	}
	if _, err := s.Load(ctx, whatsapp.StateKey{Phone: "1055", User: "15550001"}); err != nil {
		t.Errorf("Load after Redis returned: %v", err)
	}
	if g, err := s.Reserve(ctx, usage); err != nil || !g.OK {
		t.Errorf("Reserve after Redis returned: %+v, %v", g, err)
	}
	if ok, err := d.Claim(ctx, "m:x"); !ok || err != nil {
		t.Errorf("Claim after Redis returned: %v, %v", ok, err)
	}
	if code, err := post(ctx, hook.URL, body); err != nil || code != http.StatusOK {
		t.Errorf("webhook redelivered after Redis returned: %d, %v; want 200", code, err)
	}
	t.Logf("%d checks passed, %d failed with ErrUnavailable", passed.Load(), failed.Load())
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestUnavailable classifies errors.
func TestUnavailable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{errors.New("ERR Error running script"), false},
		{errors.New("redis: connection pool timeout"), true},
		{nil, false},
	}
	for _, tt := range tests {
		if got := errors.Is(&Error{Op: "x", Err: tt.err}, ErrUnavailable); tt.err != nil && got != tt.want {
			t.Errorf("%v: unavailable = %v, want %v", tt.err, got, tt.want)
		}
		if got := unavailable(tt.err); got != tt.want {
			t.Errorf("unavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	e := &Error{Op: "reserve", Err: context.Canceled}
	if !errors.Is(e, context.Canceled) || e.Error() != "redisstore: reserve: context canceled" {
		t.Errorf("%v does not unwrap to its cause", e)
	}
}

func runtimeGosched() { runtime.Gosched() }
