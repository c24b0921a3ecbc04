// Package redisstore keeps the rule state of a whatsapp.Guard and the
// webhook deduplication of a whatsapp webhook handler in Redis, so that
// several replicas of a service agree: the 24-hour windows, opt-ins and
// opt-outs, the messaging limit (tier) budget, pair rate limits,
// throughput and marketing frequency caps count the sends of every
// replica, and each webhook item reaches a callback once whichever replica
// Meta delivers it to.
//
// A single process does not need it: the MemoryStore and MemoryDeduper of
// package whatsapp are the defaults. Use it once a load balancer spreads
// sends or webhooks over more than one process.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	guard := &whatsapp.Guard{Store: redisstore.New(rdb, nil)}
//	handler := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
//		AppSecret:      appSecret,
//		Deduper:        redisstore.NewDeduper(rdb, nil),
//		OnNotification: guard.Observe,
//		// ...
//	})
//
// Every check-and-count is one Lua script run with EVALSHA: one round trip,
// atomic on the server. Keys start with a configurable prefix; those one
// script touches share a hash tag, so the store works on Redis Cluster.
// When Redis is unreachable the calls return an *Error matching
// ErrUnavailable (the Guard refuses the send, the webhook handler answers
// 500 so that Meta delivers again), unless FailOpen is set; go-redis
// reconnects by itself.
//
// It is its own module, so that the core module needs no Redis client.
package redisstore
