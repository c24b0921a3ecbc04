package whatsapp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestMemoryDeduperLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		d := NewMemoryDeduper(100, time.Hour)
		claim := func(key string, want bool) {
			t.Helper()
			if ok, err := d.Claim(ctx, key); ok != want || err != nil {
				t.Fatalf("Claim(%s) = %v, %v; want %v", key, ok, err, want)
			}
		}
		claim("a", true)
		claim("a", false) // in flight
		d.Release(ctx, "a")
		claim("a", true) // released after a failure: processed again
		d.Done(ctx, "a")
		claim("a", false) // done
		time.Sleep(59 * time.Minute)
		claim("a", false)
		time.Sleep(2 * time.Minute)
		claim("a", true) // retention passed
		d.Done(ctx, "a")
		d.Release(ctx, "a") // releasing a done key keeps it
		claim("a", false)
	})
}

func TestMemoryDeduperEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	d := NewMemoryDeduper(3, time.Hour)
	for _, k := range []string{"a", "b", "c"} {
		d.Claim(ctx, k)
		d.Done(ctx, k)
	}
	d.Done(ctx, "a") // touch a: b is now the oldest
	d.Claim(ctx, "d")
	if d.Len() != 3 {
		t.Fatalf("Len = %d, want 3", d.Len())
	}
	// In a fixed order, b last: claiming b inserts it and evicts again.
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", false}, {"c", false}, {"d", false}, {"b", true}} {
		if ok, _ := d.Claim(ctx, tc.key); ok != tc.want {
			t.Errorf("Claim(%s) after eviction = %v, want %v", tc.key, ok, tc.want)
		}
	}
}

func TestMemoryDeduperZeroValue(t *testing.T) {
	ctx := context.Background()
	var d MemoryDeduper
	if ok, err := d.Claim(ctx, "k"); !ok || err != nil {
		t.Fatalf("first claim = %v, %v", ok, err)
	}
	if err := d.Done(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.Claim(ctx, "k"); ok {
		t.Error("a done key was claimed again")
	}
	var r MemoryDeduper
	if err := r.Release(ctx, "x"); err != nil || r.Len() != 0 {
		t.Errorf("Release on a zero value: %v, Len %d", err, r.Len())
	}
}

func TestMemoryDeduperDefaults(t *testing.T) {
	d := NewMemoryDeduper(0, 0)
	if d.size != DefaultDedupeSize || d.ttl != DefaultDedupeTTL {
		t.Errorf("defaults = %d, %v", d.size, d.ttl)
	}
}

func TestMemoryDeduperConcurrentClaimsOnce(t *testing.T) {
	ctx := context.Background()
	d := NewMemoryDeduper(1000, time.Hour)
	var wins [50]atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range wins {
				key := fmt.Sprint("k", (i+g)%len(wins))
				if ok, _ := d.Claim(ctx, key); ok {
					wins[(i+g)%len(wins)].Add(1)
					d.Done(ctx, key)
				}
			}
		}()
	}
	wg.Wait()
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("key k%d claimed %d times", i, n)
		}
	}
}
