package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the server's writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRun runs the program in-process: it listens, prints its URL, serves
// the Cloud API and the control API, delivers signed webhooks to the
// callback URL, and shuts down when its context ends.
func TestRun(t *testing.T) {
	got := make(chan []byte, 16)
	hook := httptest.NewServer(whatsapp.NewWebhookHandler(whatsapp.WebhookConfig{
		AppSecret: "cmd-secret",
		OnMessage: func(_ context.Context, m *whatsapp.InboundMessage) error {
			got <- []byte(m.Text.Body)
			return nil
		},
	}))
	defer hook.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	started := make(chan *whatsapptest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "cmd-token", "-app-secret", "cmd-secret",
			"-callback-url", hook.URL, "-phone-number-id", "100000000000077"}, &stdout, &stderr, started)
	}()
	var srv *whatsapptest.Server
	select {
	case srv = <-started:
	case err := <-done:
		t.Fatalf("run returned early: %v\n%s", err, stderr.String())
	}
	base := strings.TrimSpace(strings.SplitN(stdout.String(), "\n", 2)[0])
	if base != srv.URL || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line = %q, want the base URL %s", base, srv.URL)
	}

	control := func(method, path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer cmd-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	control("POST", "/whatsapptest/users/+15551230001/messages", `{"text":"hello from curl"}`)
	select {
	case b := <-got:
		if string(b) != "hello from curl" {
			t.Errorf("webhook text = %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivered to the callback URL")
	}

	client := whatsapp.NewClient("cmd-token", whatsapp.WithBaseURL(base), whatsapp.WithRetry(whatsapp.RetryConfig{MaxAttempts: 1}))
	if _, err := client.Send(ctx, "100000000000077", whatsapp.Message{To: "+15551230001", Content: whatsapp.Text{Body: "hi there"}}); err != nil {
		t.Fatal(err)
	}
	var msgs []struct {
		To   string          `json:"to"`
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(control("GET", "/whatsapptest/messages?to=%2B15551230001", ""), &msgs); err != nil || len(msgs) != 1 || !strings.Contains(string(msgs[0].Body), "hi there") {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	// The wall clock moves with the control API: a day later the window
	// is closed and the free-form send fails (in a status webhook, as on
	// the Cloud API).
	control("POST", "/whatsapptest/clock", `{"advance":"25h"}`)
	res, err := client.Send(ctx, "100000000000077", whatsapp.Message{To: "+15551230001", Content: whatsapp.Text{Body: "late"}})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(res.MessageID); m.Error == nil || m.Error.Code != 131047 {
		t.Errorf("late message error = %v, want 131047", m.Error)
	}
	// A wrong token is refused.
	bad := whatsapp.NewClient("nope", whatsapp.WithBaseURL(base))
	if _, err := bad.Send(ctx, "100000000000077", whatsapp.Message{To: "+15551230001", Content: whatsapp.Text{Body: "x"}}); err == nil {
		t.Error("a wrong token was accepted")
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-callback-url", "ftp://x"},
		{"-token", ""},
		{"extra"},
		{"-addr", "not an address"},
		{"-no-such-flag"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut, nil); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
