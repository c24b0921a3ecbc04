package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
)

// The benchmarks run RunParallel with benchParallelism goroutines per
// CPU against the test redis-server on loopback, and report round trips
// per operation (commands and pipelines sent, counted by a go-redis hook)
// and the CPU time the server's main thread spent per operation (from INFO
// cpu: unlike wall time, it does not grow when the machine is busy; a
// server core serves 1e6 / server-µs/op operations a second).
// The floor is the least a Redis call costs: a trivial script by EVALSHA,
// and PING, at the same parallelism.
//
//	go test -run '^$' -bench . -benchmem ./redisstore/

const benchParallelism = 16

// roundTrips counts what a client sends: each command or pipeline is one
// round trip.
type roundTrips struct {
	n   atomic.Int64
	rdb *redis.Client // for INFO, not counted
}

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

func benchClient(b *testing.B) (*redis.Client, *roundTrips) {
	b.Helper()
	needRedis(b)
	rdb := redis.NewClient(&redis.Options{Addr: testAddr, PoolSize: 4 * benchParallelism})
	b.Cleanup(func() { rdb.Close() })
	rt := &roundTrips{rdb: redis.NewClient(&redis.Options{Addr: testAddr})}
	b.Cleanup(func() { rt.rdb.Close() })
	rdb.AddHook(rt)
	return rdb, rt
}

// run runs op in parallel and reports operations per second and round
// trips per operation.
func run(b *testing.B, rt *roundTrips, op func(ctx context.Context, i int64) error) {
	b.Helper()
	var seq atomic.Int64
	ctx := context.Background()
	// Warm up the pool and the script cache outside the measurement.
	for i := range benchParallelism {
		if err := op(ctx, -1-int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := serverCPU(b, rt.rdb)
	rt.n.Store(0)
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx, seq.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	b.ReportMetric((serverCPU(b, rt.rdb)-cpu0).Seconds()*1e6/float64(b.N), "server-µs/op")
	b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
}

// BenchmarkGuardCheck: Guard.Check of a utility template to a new user
// from one of 256 numbers, with every rule on (window, opt-in, template
// health, tier budget, pair limit, throughput): Load and Reserve.
func BenchmarkGuardCheck(b *testing.B) {
	rdb, rt := benchClient(b)
	g := &whatsapp.Guard{Store: New(rdb, &Options{Prefix: testPrefix()}),
		Policy: whatsapp.Policy{OptInOptional: true}} // no tier known: users are counted, without a limit
	var refused atomic.Int64
	run(b, rt, func(ctx context.Context, i int64) error {
		m := whatsapp.Message{To: fmt.Sprintf("+1555%08d", i&0xfffffff), Content: whatsapp.Template{Name: "order_update", Language: "en_US"}}
		err := g.Check(ctx, fmt.Sprint(1000+i%256), m, whatsapp.SendInfo{Category: "UTILITY"})
		if _, ok := err.(*whatsapp.RuleError); ok {
			refused.Add(1)
			return nil
		}
		return err
	})
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}

// BenchmarkReserve: Store.Reserve alone, every limit applied.
func BenchmarkReserve(b *testing.B) {
	rdb, rt := benchClient(b)
	s := New(rdb, &Options{Prefix: testPrefix()})
	pair := &whatsapp.PairLimit{}
	run(b, rt, func(ctx context.Context, i int64) error {
		_, err := s.Reserve(ctx, whatsapp.Usage{At: time.Now(), Phone: fmt.Sprint(1000 + i%256), User: fmt.Sprint(15550000000 + i),
			Portfolio: "p", Throughput: 1000, Pair: pair, Tier: -1, Frequency: whatsapp.FrequencyCap{Limit: 2, Period: 24 * time.Hour}})
		return err
	})
}

// BenchmarkLoad: Store.Load alone.
func BenchmarkLoad(b *testing.B) {
	rdb, rt := benchClient(b)
	s := New(rdb, &Options{Prefix: testPrefix()})
	tpl := whatsapp.TemplateRef{Name: "order_update", Language: "en_US"}
	run(b, rt, func(ctx context.Context, i int64) error {
		_, err := s.Load(ctx, whatsapp.StateKey{Phone: fmt.Sprint(1000 + i%256), User: fmt.Sprint(15550000000 + i), Portfolio: "p", Template: tpl})
		return err
	})
}

// BenchmarkDeduperClaimDone: one webhook item's Claim and Done.
func BenchmarkDeduperClaimDone(b *testing.B) {
	rdb, rt := benchClient(b)
	d := NewDeduper(rdb, &DeduperOptions{Prefix: testPrefix()})
	run(b, rt, func(ctx context.Context, i int64) error {
		key := fmt.Sprint("m:wamid.", i)
		if _, err := d.Claim(ctx, key); err != nil {
			return err
		}
		return d.Done(ctx, key)
	})
}

var trivialScript = redis.NewScript(`return 1`)

// BenchmarkFloorEvalSha: the floor, a script that does nothing, by
// EVALSHA.
func BenchmarkFloorEvalSha(b *testing.B) {
	rdb, rt := benchClient(b)
	run(b, rt, func(ctx context.Context, i int64) error {
		return trivialScript.Run(ctx, rdb, []string{"k"}).Err()
	})
}

// BenchmarkFloorPing: the floor, PING.
func BenchmarkFloorPing(b *testing.B) {
	rdb, rt := benchClient(b)
	run(b, rt, func(ctx context.Context, i int64) error { return rdb.Ping(ctx).Err() })
}

// serverCPU returns the CPU time of the server's main thread so far.
func serverCPU(b *testing.B, rdb *redis.Client) time.Duration {
	b.Helper()
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys_main_thread" || k == "used_cpu_user_main_thread") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatal(err)
			}
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
