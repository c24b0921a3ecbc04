package whatsapptest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/internal/oapi"
)

// TestResponsesMatchOpenAPI checks what the fake answers, and the webhooks
// it delivers, against Meta's OpenAPI description of the Cloud API: an
// independent account of the shapes, which this project did not write.
func TestResponsesMatchOpenAPI(t *testing.T) {
	spec := oapi.Load(t)
	srv, _ := newTestServer(t)
	ctx := testContext(t)
	var bodies [][]byte
	srv.SetWebhookHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
	}))
	do := func(method, path, ctype string, body io.Reader) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// check makes a call and checks the answer: an error against the
	// Graph error schema, a success against the operation's (named by op
	// when the path alone is ambiguous: GET /{id} is a template, a media
	// file or a phone number).
	checkOp := func(op, method, path, ctype, body string, wantStatus int) []byte {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		status, b := do(method, path, ctype, r)
		switch {
		case status != wantStatus:
			t.Fatalf("%s %s: HTTP %d %s, want %d", method, path, status, b, wantStatus)
		case status >= 400:
			spec.CheckSchema(t, "GraphAPIError", b)
		case op != "":
			spec.CheckResponseOp(t, op, status, b)
		default:
			spec.CheckResponse(t, method, path, status, b)
		}
		return b
	}
	check := func(method, path, ctype, body string, wantStatus int) []byte {
		t.Helper()
		return checkOp("", method, path, ctype, body, wantStatus)
	}
	v, pn, waba := "/v23.0/", srv.PhoneNumberID, srv.WABAID
	in := srv.UserSends(testUser, "hi")
	srv.AddTemplate(ticketTemplate())

	check("POST", v+pn+"/messages", "application/json", `{"messaging_product":"whatsapp","to":"+15551230001","type":"text","text":{"body":"hello"}}`, 200)
	check("POST", v+pn+"/messages", "application/json", `{"messaging_product":"whatsapp","to":"+15551230001","type":"template","template":{"name":"ticket_update","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"#1"},{"type":"text","text":"Monday"}]}]}}`, 200)
	check("POST", v+pn+"/messages", "application/json", `{"messaging_product":"whatsapp","to":"+15551230001","type":"text","text":{}}`, 400)
	check("POST", v+pn+"/messages", "application/json", `{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`"}`, 200)

	check("GET", v+waba+"/message_templates?limit=1", "", "", 200)
	created := check("POST", v+waba+"/message_templates", "application/json", `{"name":"welcome","language":"en_US","category":"UTILITY","components":[{"type":"BODY","text":"Welcome aboard!"}]}`, 200)
	var c struct{ ID string }
	json.Unmarshal(created, &c)
	checkOp("getTemplateByIdDefaultFields", "GET", v+c.ID, "", "", 200)
	check("DELETE", v+waba+"/message_templates?name=welcome", "", "", 200)

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("messaging_product", "whatsapp")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="a.png"`)
	h.Set("Content-Type", "image/png")
	part, _ := mw.CreatePart(h)
	part.Write([]byte("\x89PNG\r\n\x1a\n"))
	mw.Close()
	status, up := do("POST", v+pn+"/media", mw.FormDataContentType(), &buf)
	if status != 200 {
		t.Fatalf("upload: %d %s", status, up)
	}
	spec.CheckResponse(t, "POST", v+pn+"/media", status, up)
	var media struct{ ID string }
	json.Unmarshal(up, &media)
	checkOp("retrieveMediaUrl", "GET", v+media.ID, "", "", 200)
	checkOp("deleteMedia", "DELETE", v+media.ID, "", "", 200)

	checkOp("getPhoneNumberById", "GET", v+pn, "", "", 200)
	check("GET", v+waba+"/phone_numbers", "", "", 200)
	check("GET", v+pn+"/whatsapp_business_profile", "", "", 200)
	check("POST", v+pn+"/whatsapp_business_profile", "application/json", `{"messaging_product":"whatsapp","about":"Open 9 to 5"}`, 200)
	check("POST", v+pn+"/block_users", "application/json", `{"messaging_product":"whatsapp","block_users":[{"user":"+15551230001"}]}`, 200)
	check("GET", v+pn+"/block_users", "", "", 200)
	qr := check("POST", v+pn+"/message_qrdls", "application/json", `{"prefilled_message":"Table for two","generate_qr_image":"SVG"}`, 200)
	var q struct{ Code string }
	json.Unmarshal(qr, &q)
	check("GET", v+pn+"/message_qrdls", "", "", 200)
	check("GET", v+pn+"/message_qrdls/"+q.Code, "", "", 200)
	check("GET", v+waba+"/subscribed_apps", "", "", 200)

	// Meta's file makes a location's name and address, and a referral's
	// body, headline and media_type required, though a shared current
	// location has no name (reference 6.5): give them here.
	srv.UserSendsLocation("+15551230002", whatsapp.Location{Latitude: 1, Longitude: 2, Name: "Home", Address: "1 Main St"})
	srv.UserArrivesFromAd("+15551230003", "ad", whatsapp.Referral{SourceURL: "https://fb.me/x", SourceID: "1", CTWAClickID: "c",
		Body: "Spring sale", Headline: "20% off", MediaType: "image", ImageURL: "https://example.com/ad.jpg"})
	if err := srv.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(bodies) < 6 {
		t.Fatalf("only %d webhooks delivered", len(bodies))
	}
	for _, b := range bodies {
		if _, err := whatsapp.ParseNotification(b); err != nil {
			t.Errorf("library cannot parse %s: %v", b, err)
		}
		spec.CheckWebhook(t, b)
	}
}
