package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/redisstore"
)

// Two replicas share one Redis: a message webhook delivered to one opens
// the customer service window for both, and its redelivery to the other
// reaches no callback.
func Example() {
	ctx := context.Background()
	secret := "app-secret"
	// replica starts what one process of the service runs.
	replica := func() (guard *whatsapp.Guard, webhookURL string, handled *int, stop func()) {
		rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
		guard = &whatsapp.Guard{Store: redisstore.New(rdb, &redisstore.Options{Prefix: "example:"})}
		handled = new(int)
		handler := whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
			AppSecret:      secret,
			Deduper:        redisstore.NewDeduper(rdb, &redisstore.DeduperOptions{Prefix: "example:"}),
			OnNotification: guard.Observe,
			OnMessage: func(context.Context, *whatsapp.InboundMessage) error {
				*handled++
				return nil
			},
		})
		srv := httptest.NewServer(handler)
		return guard, srv.URL, handled, func() { srv.Close(); rdb.Close() }
	}
	_, hookA, handledA, stopA := replica()
	defer stopA()
	guardB, hookB, handledB, stopB := replica()
	defer stopB()
	cleanExample(ctx) // a fresh start for this example

	reply := whatsapp.Message{To: "+15550100001", Content: whatsapp.Text{Body: "Your order shipped"}}
	err := guardB.Check(ctx, "106540352242922", reply, whatsapp.SendInfo{})
	fmt.Println("before the user wrote, replica B:", errors.Is(err, whatsapp.ErrWindowClosed))

	body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1022","changes":[{"field":"messages",
		"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
		"messages":[{"from":"15550100001","id":"wamid.example1","timestamp":"%d","type":"text","text":{"body":"Where is my order?"}}]}}]}]}`,
		time.Now().Unix()))
	deliver := func(url string) int {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.SignWebhook(secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println("delivered to replica A:", deliver(hookA), *handledA)
	fmt.Println("redelivered to replica B:", deliver(hookB), *handledB)

	err = guardB.Check(ctx, "106540352242922", reply, whatsapp.SendInfo{})
	fmt.Println("after, replica B may reply:", err == nil)
	// Output:
	// before the user wrote, replica B: true
	// delivered to replica A: 200 1
	// redelivered to replica B: 200 0
	// after, replica B may reply: true
}

// cleanExample deletes the example's keys, left by an earlier run on the
// same server.
func cleanExample(ctx context.Context) {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, "example:*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
