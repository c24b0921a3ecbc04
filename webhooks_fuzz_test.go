package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseNotification: ParseNotification never panics, accepts only
// valid JSON, accepts every JSON object (except absurd nesting), and every
// notification it returns survives json.Marshal and a second parse
// unchanged. Seeds: every testdata payload, plus testdata/fuzz.
func FuzzParseNotification(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			if n != nil {
				t.Fatal("non-nil notification with an error")
			}
			var pe *ParseError
			if errors.As(err, &pe) && json.Valid(body) && strings.HasPrefix(strings.TrimLeft(string(body), " \t\r\n"), "{") &&
				pe.Reason != "nesting too deep" {
				t.Fatalf("valid JSON object refused: %v", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON: %q", body)
		}
		webhookTestRoundTrip(t, body)
		// The flatteners reach every item without panicking.
		_ = n.Messages()
		_ = n.Statuses()
		_ = n.Events()
	})
}

// FuzzVerifySignature: VerifySignature never panics, always accepts the
// signature SignWebhook computes, and accepts a header only when it is that
// signature.
func FuzzVerifySignature(f *testing.F) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	f.Add("secret", body, SignWebhook("secret", body))
	f.Add("secret", body, "sha256=")
	f.Add("", body, "")
	f.Add("s", []byte("caf\xc3\xa9 \\/"), "sha256=zz")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		err := VerifySignature(secret, body, header)
		if secret == "" {
			if err != ErrNoAppSecret {
				t.Fatalf("empty secret: %v", err)
			}
			return
		}
		want := SignWebhook(secret, body)
		if err == nil && !strings.EqualFold(strings.TrimSpace(header), want) {
			t.Fatalf("accepted %q, want only %q", header, want)
		}
		if err := VerifySignature(secret, body, want); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}
