package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSend compares Client.Send of a text message with the floor: the
// same request built by hand with net/http and encoding/json, against the
// same httptest server over the same kind of transport, in the same run.
//
//	go test -run '^$' -bench 'BenchmarkSend' -benchmem -count 6 . | benchstat -
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, okSend)
	}))
	defer srv.Close()
	ctx := context.Background()
	msg := Message{To: testTo, Content: Text{Body: "Your order #1234 has shipped and will arrive on Tuesday."}}

	b.Run("client", func(b *testing.B) {
		c := NewClient("bench-token", WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}))
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.Send(ctx, "1055", msg)
			if err != nil || res.MessageID != "wamid.OK" {
				b.Fatalf("%v %v", res, err)
			}
		}
	})

	b.Run("floor", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		url := srv.URL + "/v23.0/1055/messages"
		type text struct {
			Body string `json:"body"`
		}
		type body struct {
			MessagingProduct string `json:"messaging_product"`
			RecipientType    string `json:"recipient_type"`
			To               string `json:"to"`
			Type             string `json:"type"`
			Text             text   `json:"text"`
		}
		type response struct {
			Contacts []struct {
				Input string `json:"input"`
				WaID  string `json:"wa_id"`
			} `json:"contacts"`
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		b.ReportAllocs()
		for b.Loop() {
			payload, err := json.Marshal(body{"whatsapp", "individual", testTo, "text", text{"Your order #1234 has shipped and will arrive on Tuesday."}})
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer bench-token")
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var out response
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(err, resp.StatusCode)
			}
			if err := json.Unmarshal(raw, &out); err != nil || out.Messages[0].ID != "wamid.OK" {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidate measures Message.Validate alone for common kinds.
func BenchmarkValidate(b *testing.B) {
	for _, tc := range goldenMessages {
		if tc.name != "text" && tc.name != "interactive_list" && tc.name != "template_named" {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.msg.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
