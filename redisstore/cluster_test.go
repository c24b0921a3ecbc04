package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/storetest"
)

// TestCluster runs the store on Redis Cluster: a one-node cluster holding
// all 16,384 slots, which refuses a script whose keys are in different
// slots (CROSSSLOT) exactly as a many-node cluster does. Both key layouts
// pass the conformance suite and match the MemoryStore; SlotPerPortfolio
// puts portfolios in different slots.
func TestCluster(t *testing.T) {
	srv := needServer(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	ctx := ctxT(t)
	admin := srv.client(t)
	if err := admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %v", err)
	}
	// The node takes its slots on its next cluster tick.
	for {
		info, err := admin.ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		if err := ctx.Err(); err != nil {
			t.Fatalf("cluster not ready: %s", info)
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.addr}})
	t.Cleanup(func() { rdb.Close() })

	// The cluster refuses what a Store must never do.
	err := rdb.Eval(ctx, "return redis.call('MGET', KEYS[1], KEYS[2])", []string{"{a}x", "{b}y"}).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("a cross-slot script: %v, want CROSSSLOT (the test cluster must check slots)", err)
	}

	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func() whatsapp.Store { return New(rdb, &Options{Prefix: testPrefix()}) })
	})
	for _, per := range []bool{false, true} {
		t.Run("MatchesMemoryStore/SlotPerPortfolio="+map[bool]string{false: "false", true: "true"}[per], func(t *testing.T) {
			matchMemoryStore(t, New(rdb, &Options{Prefix: testPrefix(), SlotPerPortfolio: per}), per, 11, 800)
		})
	}
	t.Run("SlotPerPortfolio", func(t *testing.T) {
		s := New(rdb, &Options{Prefix: testPrefix(), SlotPerPortfolio: true})
		slots := map[int64]bool{}
		for _, p := range []string{"p1", "p2", "p3", "p4"} {
			u := whatsapp.Usage{At: t0, Phone: "phone-of-" + p, User: "15550001", Portfolio: p, Tier: 1, Throughput: 80,
				Pair: &whatsapp.PairLimit{}, Frequency: whatsapp.FrequencyCap{Limit: 1, Period: time.Hour}}
			g, err := s.Reserve(ctx, u)
			if err != nil || !g.OK {
				t.Fatalf("Reserve under %s: %+v, %v", p, g, err)
			}
			if err := s.Release(ctx, g); err != nil {
				t.Fatal(err)
			}
			slot, err := rdb.ClusterKeySlot(ctx, s.k.reserveKeys(&u)[0]).Result()
			if err != nil {
				t.Fatal(err)
			}
			slots[slot] = true
		}
		if len(slots) < 3 {
			t.Errorf("four portfolios in %d slots: they are not spread", len(slots))
		}
	})
	t.Run("Deduper", func(t *testing.T) {
		d := NewDeduper(rdb, &DeduperOptions{Prefix: testPrefix()})
		for _, k := range []string{"m:wamid.1", "s:wamid.{2}:read"} {
			if ok, err := d.Claim(ctx, k); !ok || err != nil {
				t.Fatalf("Claim(%s): %v, %v", k, ok, err)
			}
			if err := d.Release(ctx, k); err != nil {
				t.Fatal(err)
			}
			if ok, err := d.Claim(ctx, k); !ok || err != nil {
				t.Fatalf("Claim(%s) after Release: %v, %v", k, ok, err)
			}
			if err := d.Done(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	})
}
