package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
)

// TestReplicasShareTier: four Guards, each with its own Redis client (four
// replicas), run 10,000 concurrent checks of template sends to 1,000 new
// users against a 250-user messaging limit. Exactly 250 users get through;
// every check of the others is refused with ErrTierLimit or a throughput
// or pair refusal, never a store error.
func TestReplicasShareTier(t *testing.T) {
	needRedis(t)
	ctx := ctxT(t)
	const replicas, users, checks, tier = 4, 1000, 10_000, 250
	prefix := testPrefix()
	// One clock for all replicas (synchronised servers), 5 ms per check,
	// so the checks spread over 50 s: well inside the 24 hours, and the
	// number's throughput (HIGH: 1,000 per second) is not what limits.
	var tick atomic.Int64
	clock := func() time.Time { return t0.Add(time.Duration(tick.Add(1)) * 5 * time.Millisecond) }
	guards := make([]*whatsapp.Guard, replicas)
	for i := range guards {
		rdb := redis.NewClient(&redis.Options{Addr: testAddr, PoolSize: 32})
		t.Cleanup(func() { rdb.Close() })
		guards[i] = &whatsapp.Guard{Store: New(rdb, &Options{Prefix: prefix}), Clock: clock,
			Policy: whatsapp.Policy{OptInOptional: true, DefaultTier: whatsapp.Tier250}}
	}
	if err := guards[0].SetThroughput(ctx, "1055", whatsapp.ThroughputHigh); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	admitted := map[string]int{}
	var tierRefusals, otherRefusals atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	work := make(chan int)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := guards[w%replicas]
			for i := range work {
				to := fmt.Sprintf("+1555%07d", i%users)
				m := whatsapp.Message{To: to, Content: whatsapp.Template{Name: "order_update", Language: "en_US"}}
				err := g.Check(ctx, "1055", m, whatsapp.SendInfo{Category: "UTILITY"})
				var re *whatsapp.RuleError
				switch {
				case err == nil:
					mu.Lock()
					admitted[to]++
					mu.Unlock()
				case errors.Is(err, whatsapp.ErrTierLimit):
					tierRefusals.Add(1)
				case errors.As(err, &re):
					otherRefusals.Add(1)
				default:
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range checks {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("a check failed: %v", err)
	}
	if len(admitted) != tier {
		t.Fatalf("%d distinct users admitted by %d replicas against a tier of %d (%d tier refusals, %d others)",
			len(admitted), replicas, tier, tierRefusals.Load(), otherRefusals.Load())
	}
	if tierRefusals.Load() < checks-tier*checks/users {
		t.Errorf("%d tier refusals, want at least %d (every check of the 750 users left out)", tierRefusals.Load(), checks-tier*checks/users)
	}
	t.Logf("%d users admitted, %d tier refusals, %d other refusals", len(admitted), tierRefusals.Load(), otherRefusals.Load())
}

const testAppSecret = "app-secret-for-tests"

// testStatusBatch returns a signed webhook body of n status updates with
// distinct ids.
func testStatusBatch(t *testing.T, n int) []byte {
	t.Helper()
	v := &whatsapp.MessagesValue{MessagingProduct: "whatsapp",
		Metadata: whatsapp.Metadata{DisplayPhoneNumber: "15550783881", PhoneNumberID: "1055"}}
	for i := range n {
		v.Statuses = append(v.Statuses, whatsapp.Status{ID: fmt.Sprintf("wamid.T%06d", i), Status: "delivered",
			RecipientID: fmt.Sprintf("1555%07d", i), Timestamp: t0.Add(time.Duration(i) * time.Second)})
	}
	n1 := &whatsapp.Notification{Object: whatsapp.WebhookObject, Entries: []whatsapp.Entry{{ID: "1022", Changes: []whatsapp.Change{{Field: whatsapp.FieldMessages, Messages: v}}}}}
	body, err := json.Marshal(n1)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func post(ctx context.Context, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.SignWebhook(testAppSecret, body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestReplicasShareDeduper: two webhook handlers (two replicas, each with
// its own client and Deduper on one Redis) receive the same batch of 1,000
// status updates at once, three times each, as Meta's fan-out and retries
// do. Each status reaches a callback exactly once.
func TestReplicasShareDeduper(t *testing.T) {
	needRedis(t)
	ctx := ctxT(t)
	prefix := testPrefix()
	body := testStatusBatch(t, 1000)
	var mu sync.Mutex
	seen := map[string]int{}
	var urls []string
	for range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: testAddr})
		t.Cleanup(func() { rdb.Close() })
		h := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{AppSecret: testAppSecret,
			Deduper: NewDeduper(rdb, &DeduperOptions{Prefix: prefix}),
			OnStatus: func(_ context.Context, s *whatsapp.Status) error {
				mu.Lock()
				seen[s.ID]++
				mu.Unlock()
				return nil
			}})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, err := post(ctx, urls[i%2], body)
			if err != nil {
				t.Error(err)
			}
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("a delivery was answered %d, want 200", code)
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("%d distinct statuses reached a callback, want 1000", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s reached a callback %d times, want once", id, n)
		}
	}
}

// TestDeduperRedelivery: an item whose callback failed is released and
// processed again on redelivery, by either replica; one that succeeded is
// not.
func TestDeduperRedelivery(t *testing.T) {
	needRedis(t)
	ctx := ctxT(t)
	prefix := testPrefix()
	body := testStatusBatch(t, 10)
	var mu sync.Mutex
	seen := map[string]int{}
	fail := map[string]bool{"wamid.T000003": true, "wamid.T000007": true}
	var urls []string
	for range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: testAddr})
		t.Cleanup(func() { rdb.Close() })
		h := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{AppSecret: testAppSecret,
			Deduper: NewDeduper(rdb, &DeduperOptions{Prefix: prefix}),
			OnStatus: func(_ context.Context, s *whatsapp.Status) error {
				mu.Lock()
				defer mu.Unlock()
				seen[s.ID]++
				if fail[s.ID] {
					delete(fail, s.ID) // fails once
					return errors.New("downstream unavailable")
				}
				return nil
			}})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	if code, err := post(ctx, urls[0], body); err != nil || code != http.StatusInternalServerError {
		t.Fatalf("first delivery: %d, %v; want 500 (two callbacks failed)", code, err)
	}
	if code, err := post(ctx, urls[1], body); err != nil || code != http.StatusOK {
		t.Fatalf("redelivery to the other replica: %d, %v; want 200", code, err)
	}
	for i := range 10 {
		id := fmt.Sprintf("wamid.T%06d", i)
		want := 1
		if i == 3 || i == 7 {
			want = 2
		}
		if seen[id] != want {
			t.Errorf("%s reached the callback %d times, want %d", id, seen[id], want)
		}
	}
}

// TestDeduper checks each method against Redis directly.
func TestDeduper(t *testing.T) {
	rdb := needRedis(t)
	ctx := ctxT(t)
	prefix := testPrefix()
	d1 := NewDeduper(rdb, &DeduperOptions{Prefix: prefix, ClaimTTL: time.Minute, DoneTTL: time.Hour})
	d2 := NewDeduper(rdb, &DeduperOptions{Prefix: prefix})
	claim := func(d *Deduper, key string, want bool) {
		t.Helper()
		ok, err := d.Claim(ctx, key)
		if err != nil || ok != want {
			t.Fatalf("Claim(%q) = %v, %v; want %v", key, ok, err, want)
		}
	}
	ttl := func(key string) time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, prefix+"dedupe:"+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	claim(d1, "m:a", true)
	claim(d1, "m:a", false) // in flight here
	claim(d2, "m:a", false) // in flight elsewhere
	if d := ttl("m:a"); d <= 59*time.Second || d > time.Minute {
		t.Errorf("claim lives %v, want the ClaimTTL of 1m", d)
	}
	if err := d2.Release(ctx, "m:a"); err != nil { // not d2's claim
		t.Fatal(err)
	}
	claim(d2, "m:a", false)
	if err := d1.Release(ctx, "m:a"); err != nil {
		t.Fatal(err)
	}
	claim(d2, "m:a", true) // released: free again
	if err := d2.Done(ctx, "m:a"); err != nil {
		t.Fatal(err)
	}
	claim(d1, "m:a", false)
	if d := ttl("m:a"); d <= 23*time.Hour || d > 24*time.Hour {
		t.Errorf("done key lives %v, want the default DoneTTL of 24h", d)
	}

	// A release after the claim lapsed and another replica took the key
	// leaves the other's claim alone.
	claim(d1, "m:b", true)
	if err := rdb.Del(ctx, prefix+"dedupe:m:b").Err(); err != nil { // the claim lapses
		t.Fatal(err)
	}
	claim(d2, "m:b", true)
	if err := d1.Release(ctx, "m:b"); err != nil {
		t.Fatal(err)
	}
	claim(d1, "m:b", false)
	if err := d1.Done(ctx, "m:b"); err != nil { // Done marks it whoever holds it
		t.Fatal(err)
	}
	if d := ttl("m:b"); d <= 59*time.Minute || d > time.Hour {
		t.Errorf("done key lives %v, want d1's DoneTTL of 1h", d)
	}
	if err := d2.Release(ctx, "m:b"); err != nil {
		t.Fatal(err)
	}
	claim(d2, "m:b", false) // done stays done

	// A retried claim (go-redis resends a command whose reply was lost)
	// carries the same token and still reports true; another token does
	// not.
	k := []string{prefix + "dedupe:m:c"}
	for i, tc := range []struct {
		token string
		want  bool
	}{{"x:1", true}, {"x:1", true}, {"x:2", false}} {
		ok, err := claimScript.Run(ctx, rdb, k, tc.token, 60000).Bool()
		if err != nil || ok != tc.want {
			t.Fatalf("attempt %d with token %s: %v, %v; want %v", i, tc.token, ok, err, tc.want)
		}
	}

	// Concurrent claims of one key: exactly one wins.
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := d1
			if i%2 == 1 {
				d = d2
			}
			if ok, err := d.Claim(ctx, "m:race"); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 50 concurrent claims won, want 1", wins.Load())
	}
}
