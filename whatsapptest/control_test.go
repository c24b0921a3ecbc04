package whatsapptest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func TestControlAPI(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t, whatsapptest.WithControlAPI())
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	call := func(method, path, body string, wantStatus int) []byte {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != wantStatus {
			t.Fatalf("%s %s: HTTP %d %s, want %d", method, path, resp.StatusCode, b, wantStatus)
		}
		return b
	}
	var created struct{ ID string }
	json.Unmarshal(call("POST", "/whatsapptest/templates", `{"name":"hello","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Hello there"}]}`, 200), &created)
	if created.ID == "" || len(srv.Templates()) != 1 || srv.Templates()[0].Status != whatsapp.TemplateStatusApproved {
		t.Fatalf("template = %+v", srv.Templates())
	}
	call("POST", "/whatsapptest/templates/"+created.ID+"/status", `{"status":"paused"}`, 200)
	if srv.Templates()[0].Status != whatsapp.TemplateStatusPaused {
		t.Errorf("status = %s", srv.Templates()[0].Status)
	}
	call("POST", "/whatsapptest/templates", `{"name":"Bad Name"}`, 400)

	call("POST", "/whatsapptest/users/+15551230001/messages", `{"text":"menu"}`, 200)
	res, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Interactive{
		Body: "Pick", Action: whatsapp.ReplyButtons{{ID: "yes", Title: "Yes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	call("POST", "/whatsapptest/users/+15551230001/taps", `{"message_id":"`+res.MessageID+`","id":"yes"}`, 200)
	call("POST", "/whatsapptest/users/+15551230001/taps", `{"message_id":"`+res.MessageID+`","id":"no"}`, 400)
	call("POST", "/whatsapptest/flush", ``, 200)
	var taps int
	for _, m := range box.messages {
		if m.Interactive != nil && m.Interactive.ButtonReply != nil && m.Interactive.ButtonReply.ID == "yes" {
			taps++
		}
	}
	if taps != 1 {
		t.Errorf("tap webhooks = %d", taps)
	}
	var ds []struct {
		StatusCode int `json:"status_code"`
	}
	json.Unmarshal(call("GET", "/whatsapptest/deliveries", "", 200), &ds)
	if len(ds) == 0 || ds[0].StatusCode != 200 {
		t.Errorf("deliveries = %+v", ds)
	}
	var now struct{ Now string }
	json.Unmarshal(call("POST", "/whatsapptest/clock", `{"advance":"1h"}`, 200), &now)
	if now.Now == "" {
		t.Error("no time")
	}
	call("POST", "/whatsapptest/clock", `{"advance":"soon"}`, 400)

	// The control API needs the token, and is off by default.
	req, _ := http.NewRequest("POST", srv.URL+"/whatsapptest/flush", nil)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without a token: HTTP %d", resp.StatusCode)
	}
	plain, _ := newTestServer(t)
	req, _ = http.NewRequest("POST", plain.URL+"/whatsapptest/flush", nil)
	req.Header.Set("Authorization", "Bearer "+plain.Token)
	resp, err = plain.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("control API without WithControlAPI: HTTP %d, want 400", resp.StatusCode)
	}
}
