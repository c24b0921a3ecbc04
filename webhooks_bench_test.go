package whatsapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The floor: the same work done by hand with net/http, crypto/hmac and
// encoding/json.Unmarshal into a struct holding the fields the SDK models
// for these payloads (no unknown-field keeping, no dedupe).
type floorNotification struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Time    int64  `json:"time"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				MessagingProduct string `json:"messaging_product"`
				Metadata         struct {
					DisplayPhoneNumber string `json:"display_phone_number"`
					PhoneNumberID      string `json:"phone_number_id"`
				} `json:"metadata"`
				Contacts []struct {
					Profile struct {
						Name string `json:"name"`
					} `json:"profile"`
					WaID            string `json:"wa_id"`
					UserID          string `json:"user_id"`
					IdentityKeyHash string `json:"identity_key_hash"`
				} `json:"contacts"`
				Messages []struct {
					From       string `json:"from"`
					FromUserID string `json:"from_user_id"`
					ID         string `json:"id"`
					Timestamp  string `json:"timestamp"`
					Type       string `json:"type"`
					Text       *struct {
						Body string `json:"body"`
					} `json:"text"`
					Context *struct {
						From string `json:"from"`
						ID   string `json:"id"`
					} `json:"context"`
				} `json:"messages"`
				Statuses []struct {
					ID           string `json:"id"`
					Status       string `json:"status"`
					Timestamp    string `json:"timestamp"`
					RecipientID  string `json:"recipient_id"`
					CallbackData string `json:"biz_opaque_callback_data"`
					Conversation *struct {
						ID                  string `json:"id"`
						ExpirationTimestamp string `json:"expiration_timestamp"`
						Origin              struct {
							Type string `json:"type"`
						} `json:"origin"`
					} `json:"conversation"`
					Pricing *struct {
						Billable     bool   `json:"billable"`
						PricingModel string `json:"pricing_model"`
						Type         string `json:"type"`
						Category     string `json:"category"`
					} `json:"pricing"`
					Errors []struct {
						Code      int    `json:"code"`
						Title     string `json:"title"`
						Message   string `json:"message"`
						ErrorData struct {
							Details string `json:"details"`
						} `json:"error_data"`
					} `json:"errors"`
				} `json:"statuses"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

func floorHandler(secret string, onItem func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, DefaultMaxWebhookBody))
		if err != nil {
			http.Error(w, "too large", 413)
			return
		}
		sig, ok := strings.CutPrefix(r.Header.Get(SignatureHeader), "sha256=")
		want, herr := hex.DecodeString(sig)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if !ok || herr != nil || !hmac.Equal(mac.Sum(nil), want) {
			http.Error(w, "bad signature", 403)
			return
		}
		var n floorNotification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "bad body", 400)
			return
		}
		for _, e := range n.Entry {
			for _, c := range e.Changes {
				for range c.Value.Messages {
					onItem()
				}
				for range c.Value.Statuses {
					onItem()
				}
			}
		}
		w.WriteHeader(200)
	})
}

// benchWebhookBodies returns k distinct signed bodies (distinct ids, so the
// SDK's deduper processes each delivery: nothing is skipped as duplicate).
func benchWebhookBodies(b *testing.B, k int, build func(i int) []byte) (bodies [][]byte, sigs []string) {
	for i := range k {
		body := build(i)
		bodies = append(bodies, body)
		sigs = append(sigs, SignWebhook(webhookTestSecret, body))
	}
	return bodies, sigs
}

func benchServe(b *testing.B, h http.Handler, bodies [][]byte, sigs []string, items *int, perBody int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(bodies[0])))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i % len(bodies)
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(bodies[k]))
		req.Header.Set(SignatureHeader, sigs[k])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.StopTimer()
	if *items < perBody {
		b.Fatalf("callbacks reached %d items, want at least %d", *items, perBody)
	}
}

// BenchmarkWebhook: verify + decode + dispatch of one message and of a
// batch of 1,000 statuses across 3 entries, against the floor in the same
// run. Compare sdk with floor: ns/op ratio.
func BenchmarkWebhook(b *testing.B) {
	single := webhookTestPayload(b, "message_text.json")
	cases := []struct {
		name    string
		perBody int
		dedupe  int
		build   func(i int) []byte
	}{
		{"single_message", 1, 4, func(i int) []byte {
			return bytes.Replace(single, []byte("wamid.TEXT1"), []byte(fmt.Sprintf("wamid.TEXT%03d", i)), 1)
		}},
		{"1000_statuses", 1000, 2000, func(i int) []byte {
			body, err := json.Marshal(webhookTestStatusBatch(fmt.Sprintf("K%d", i), 1000, 3))
			if err != nil {
				b.Fatal(err)
			}
			return body
		}},
	}
	for _, c := range cases {
		bodies, sigs := benchWebhookBodies(b, 8, c.build)
		b.Run(c.name+"/sdk", func(b *testing.B) {
			items := 0
			h := NewWebhookHandler(WebhookConfig{
				AppSecret: webhookTestSecret,
				Deduper:   NewMemoryDeduper(c.dedupe, 0),
				OnMessage: func(context.Context, *InboundMessage) error { items++; return nil },
				OnStatus:  func(context.Context, *Status) error { items++; return nil },
			})
			benchServe(b, h, bodies, sigs, &items, c.perBody)
		})
		b.Run(c.name+"/floor", func(b *testing.B) {
			items := 0
			benchServe(b, floorHandler(webhookTestSecret, func() { items++ }), bodies, sigs, &items, c.perBody)
		})
	}
}

// BenchmarkParseNotification measures decoding alone against
// json.Unmarshal into the floor struct.
func BenchmarkParseNotification(b *testing.B) {
	body, err := json.Marshal(webhookTestStatusBatch("P", 1000, 3))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := ParseNotification(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var n floorNotification
			if err := json.Unmarshal(body, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
