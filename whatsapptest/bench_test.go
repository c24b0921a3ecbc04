package whatsapptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

// The send benchmarks measure messages per second from the real Client to
// a server on loopback with 8 concurrent senders: the fake server, and the
// floor, a bare net/http handler that decodes the JSON body and answers a
// canned response. Run them together:
//
//	go test -run '^$' -bench 'Send|Handler' -benchmem ./whatsapptest

const benchSenders = 8

func benchSend(b *testing.B, url, phoneNumberID string, users []string, client *whatsapp.Client) {
	b.Helper()
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(max(1, benchSenders/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		to := users[int(next.Add(1)-1)%len(users)]
		m := whatsapp.Message{To: to, Content: whatsapp.Text{Body: "Your order has shipped and arrives tomorrow."}}
		for pb.Next() {
			if _, err := client.Send(ctx, phoneNumberID, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

func benchUsers() []string {
	users := make([]string, benchSenders)
	for i := range users {
		users[i] = fmt.Sprintf("+1555010%04d", i)
	}
	return users
}

func BenchmarkSend(b *testing.B) {
	srv := whatsapptest.NewServer()
	defer srv.Close()
	users := benchUsers()
	for _, u := range users {
		srv.UserSends(u, "hi")
	}
	benchSend(b, srv.URL, srv.PhoneNumberID, users, srv.Client())
}

// floorHandler is the floor: decode the body, answer a canned response.
func floorHandler(w http.ResponseWriter, r *http.Request) {
	var body struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Text             struct {
			Body string `json:"body"`
		} `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+15550000000","wa_id":"15550000000"}],"messages":[{"id":"wamid.FLOOR"}]}`)
}

func BenchmarkSendFloor(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(floorHandler))
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := whatsapp.NewClient("floor-token", whatsapp.WithBaseURL(ts.URL), whatsapp.WithHTTPClient(&http.Client{Transport: tr}))
	benchSend(b, ts.URL, "100000000000001", benchUsers(), client)
}

// The handler benchmarks measure the server side alone, through
// httptest.NewRecorder: allocations per request.
var benchBody = []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15550100001","type":"text","text":{"body":"Your order has shipped and arrives tomorrow."}}`)

func benchHandler(b *testing.B, h http.Handler, path string) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(benchBody))
		req.Header.Set("Authorization", "Bearer "+whatsapptest.DefaultToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkHandler(b *testing.B) {
	srv := whatsapptest.NewUnstartedServer()
	srv.UserSends("+15550100001", "hi")
	benchHandler(b, srv, "/v23.0/"+srv.PhoneNumberID+"/messages")
}

func BenchmarkHandlerFloor(b *testing.B) {
	benchHandler(b, http.HandlerFunc(floorHandler), "/v23.0/100000000000001/messages")
}

// BenchmarkHandlerHarness measures the harness alone (request, recorder,
// a handler that answers 200 with nothing): subtract it from the two
// above for the handlers' own cost.
func BenchmarkHandlerHarness(b *testing.B) {
	benchHandler(b, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), "/v23.0/100000000000001/messages")
}
