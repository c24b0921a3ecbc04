package whatsapptest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func TestMediaRoundTrip(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 5000)...)

	id, err := client.UploadMedia(ctx, srv.PhoneNumberID, bytes.NewReader(png), whatsapp.UploadOptions{MIMEType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := srv.Media(id); !ok || !bytes.Equal(f.Data, png) || f.MIMEType != "image/png" {
		t.Fatalf("server holds %+v, %v", f, ok)
	}
	m, err := client.GetMediaURL(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(png)
	if m.ID != id || m.MIMEType != "image/png" || m.FileSize != int64(len(png)) || m.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasPrefix(m.URL, srv.URL) {
		t.Errorf("media = %+v", m)
	}
	var buf bytes.Buffer
	res, err := client.DownloadMedia(ctx, id, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), png) || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("downloaded %d bytes, result %+v", buf.Len(), res)
	}
	// The URL expires after 5 minutes; DownloadMedia looks it up again.
	stale := m.URL
	srv.Clock.Advance(6 * time.Minute)
	buf.Reset()
	if _, err := client.Download(ctx, stale, &buf, nil); err == nil {
		t.Error("an expired URL still downloads")
	}
	buf.Reset()
	if _, err := client.DownloadMedia(ctx, id, &buf, nil); err != nil || buf.Len() != len(png) {
		t.Errorf("DownloadMedia after expiry: %v, %d bytes", err, buf.Len())
	}
	// The download needs the token.
	fresh, _ := client.GetMediaURL(ctx, id, nil)
	resp, err := srv.HTTPClient().Get(fresh.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("download without a token: HTTP %d", resp.StatusCode)
	}

	if err := client.DeleteMedia(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetMediaURL(ctx, id, nil); apiError(t, err).Code != 100 {
		t.Errorf("after delete: %v, want code 100", err)
	}
}

func TestMediaUploadRefused(t *testing.T) {
	srv, _ := newTestServer(t)
	ctx := testContext(t)
	// The client checks types and sizes itself; send what it would refuse
	// by hand to see the server's answer.
	tests := []struct {
		name, ctype string
		size        int
		code        int
	}{
		{"unsupported type", "image/gif", 10, 131053},
		{"image over 5 MB", "image/jpeg", whatsapp.MaxImageSize + 1, 131053},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := multipartBody(t, tt.ctype, make([]byte, tt.size))
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v23.0/"+srv.PhoneNumberID+"/media", body)
			req.Header.Set("Authorization", "Bearer "+srv.Token)
			req.Header.Set("Content-Type", ctype)
			resp, err := srv.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("HTTP %d", resp.StatusCode)
			}
			if e := lastRequest(srv); e.ErrorCode != tt.code {
				t.Errorf("code %d, want %d", e.ErrorCode, tt.code)
			}
		})
	}
}

func lastRequest(srv *whatsapptest.Server) whatsapptest.Request {
	r := srv.Requests()
	return r[len(r)-1]
}

func TestUserSendsMedia(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t)
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	pdf := []byte("%PDF-1.7 fake invoice")
	if _, err := srv.UserSendsMedia(testUser, whatsapptest.UserMedia{MIMEType: "application/pdf", Data: pdf, Filename: "invoice.pdf", Caption: "my invoice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.UserSendsMedia(testUser, whatsapptest.UserMedia{Data: pdf}); err == nil {
		t.Error("no MIME type: no error")
	}
	srv.Flush(ctx)
	if len(box.messages) != 1 || box.messages[0].Document == nil {
		t.Fatalf("messages = %+v", box.messages)
	}
	d := box.messages[0].Document
	if d.Filename != "invoice.pdf" || d.Caption != "my invoice" || d.MIMEType != "application/pdf" {
		t.Errorf("document = %+v", d)
	}
	var buf bytes.Buffer
	if _, err := client.DownloadMedia(ctx, d.ID, &buf, &whatsapp.DownloadOptions{SHA256: d.SHA256}); err != nil || !bytes.Equal(buf.Bytes(), pdf) {
		t.Errorf("download: %v, %q", err, buf.Bytes())
	}
	// User media is kept 7 days.
	srv.Clock.Advance(7 * 24 * time.Hour)
	if _, err := client.GetMediaURL(ctx, d.ID, nil); err == nil {
		t.Error("user media still there after 7 days")
	}
}

func TestPhoneNumbers(t *testing.T) {
	srv, client := newTestServer(t, whatsapptest.WithPhoneNumber(whatsapp.PhoneNumber{ID: "100000000000011", DisplayPhoneNumber: "+1 555-010-0011"}),
		whatsapptest.WithPhoneNumber(whatsapp.PhoneNumber{ID: "100000000000012", VerifiedName: "Second"}))
	ctx := testContext(t)
	if srv.PhoneNumberID != "100000000000011" {
		t.Fatalf("default number = %s", srv.PhoneNumberID)
	}
	var ids []string
	for n, err := range client.ListPhoneNumbers(ctx, srv.WABAID, &whatsapp.ListPhoneNumbersOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	if !slices.Equal(ids, []string{"100000000000011", "100000000000012"}) {
		t.Errorf("listed %v", ids)
	}
	n, err := client.GetPhoneNumber(ctx, srv.PhoneNumberID)
	if err != nil {
		t.Fatal(err)
	}
	if n.DisplayPhoneNumber != "15550100011" || n.Status != whatsapp.PhoneConnected || n.QualityRating != whatsapp.QualityGreen || n.Throughput.Level != whatsapp.ThroughputStandard {
		t.Errorf("number = %+v", n)
	}

	// Two-step PIN, deregister, register (wrong PIN: 133005).
	if err := client.SetTwoStepPIN(ctx, srv.PhoneNumberID, "123456"); err != nil {
		t.Fatal(err)
	}
	if err := client.DeregisterPhoneNumber(ctx, srv.PhoneNumberID); err != nil {
		t.Fatal(err)
	}
	srv.UserSends(testUser, "hi")
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}); apiError(t, err).Code != 133010 {
		t.Errorf("send from a deregistered number: %v, want 133010", err)
	}
	if err := client.RegisterPhoneNumber(ctx, srv.PhoneNumberID, "654321", nil); apiError(t, err).Code != 133005 {
		t.Errorf("register with a wrong PIN: %v, want 133005", err)
	}
	if err := client.RegisterPhoneNumber(ctx, srv.PhoneNumberID, "123456", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}); err != nil {
		t.Errorf("send after register: %v", err)
	}
	// Verification code.
	if err := client.RequestVerificationCode(ctx, srv.PhoneNumberID, whatsapp.CodeMethodSMS, "en_US"); err != nil {
		t.Fatal(err)
	}
	if err := client.VerifyCode(ctx, srv.PhoneNumberID, "000000"); err == nil {
		t.Error("a wrong code was accepted")
	}
	if err := client.VerifyCode(ctx, srv.PhoneNumberID, srv.VerificationCode(srv.PhoneNumberID)); err != nil {
		t.Errorf("the right code: %v", err)
	}
	// 10 register calls per 72 hours (reference section 2: then 133016).
	var last error
	for range 10 {
		last = client.RegisterPhoneNumber(ctx, srv.PhoneNumberID, "123456", nil)
	}
	if apiError(t, last).Code != 133016 {
		t.Errorf("11th register call: %v, want 133016", last)
	}
	srv.Clock.Advance(72 * time.Hour)
	if err := client.RegisterPhoneNumber(ctx, srv.PhoneNumberID, "123456", nil); err != nil {
		t.Errorf("after 72 hours: %v", err)
	}
}

func TestBusinessProfile(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	err := client.UpdateBusinessProfile(ctx, srv.PhoneNumberID, whatsapp.BusinessProfileUpdate{
		About: "Fresh bread daily", Email: "hello@example.com", Websites: []string{"https://example.com"}, Vertical: "RETAIL"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := client.GetBusinessProfile(ctx, srv.PhoneNumberID)
	if err != nil {
		t.Fatal(err)
	}
	if p.About != "Fresh bread daily" || p.Email != "hello@example.com" || len(p.Websites) != 1 || p.Vertical != "RETAIL" {
		t.Errorf("profile = %+v", p)
	}
	status, e := rawPost(t, srv, "/v23.0/"+srv.PhoneNumberID+"/whatsapp_business_profile", `{"messaging_product":"whatsapp","about":"`+strings.Repeat("a", 140)+`"}`)
	if status != 400 || e.Code != 100 {
		t.Errorf("about over 139 characters: HTTP %d code %d", status, e.Code)
	}
}

func TestBlockUsers(t *testing.T) {
	var box inbox
	srv, client := newTestServer(t)
	srv.SetWebhookHandler(whatsapp.NewWebhookHandler(box.handler(srv.AppSecret)))
	ctx := testContext(t)
	srv.UserSends(testUser, "spam")
	res, err := client.BlockUsers(ctx, srv.PhoneNumberID, testUser, "+15559990001")
	// +15559990001 never wrote: only users who wrote in the last 24 hours
	// can be blocked (139100, with the per-user lists).
	if apiError(t, err).Code != 139100 || res == nil || len(res.Users) != 1 || len(res.Failed) != 1 || res.Failed[0].Err() == nil {
		t.Fatalf("block: %+v, %v", res, err)
	}
	if got := srv.BlockedUsers(srv.PhoneNumberID); !slices.Equal(got, []string{"15551230001"}) {
		t.Errorf("blocked = %v", got)
	}
	var listed []string
	for u, err := range client.ListBlockedUsers(ctx, srv.PhoneNumberID, nil) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, u.WaID)
	}
	if !slices.Equal(listed, []string{"15551230001"}) {
		t.Errorf("listed = %v", listed)
	}
	if _, err := client.Send(ctx, srv.PhoneNumberID, whatsapp.Message{To: testUser, Content: whatsapp.Text{Body: "x"}}); apiError(t, err).Code != 130403 {
		t.Errorf("send to a blocked user: %v, want 130403", err)
	}
	srv.Flush(ctx)
	before := len(box.messages)
	srv.UserSends(testUser, "more spam")
	srv.Flush(ctx)
	if len(box.messages) != before {
		t.Error("a blocked user's message was delivered")
	}
	if _, err := client.UnblockUsers(ctx, srv.PhoneNumberID, testUser); err != nil {
		t.Fatal(err)
	}
	if len(srv.BlockedUsers(srv.PhoneNumberID)) != 0 {
		t.Error("still blocked")
	}
}

func TestQRCodes(t *testing.T) {
	srv, client := newTestServer(t)
	ctx := testContext(t)
	qr, err := client.CreateQRCode(ctx, srv.PhoneNumberID, "I'd like a table for two", whatsapp.QRImageSVG)
	if err != nil {
		t.Fatal(err)
	}
	if len(qr.Code) != 14 || qr.DeepLinkURL != "https://wa.me/message/"+qr.Code || !strings.HasSuffix(qr.QRImageURL, ".svg") {
		t.Errorf("created %+v", qr)
	}
	if _, err := client.UpdateQRCode(ctx, srv.PhoneNumberID, qr.Code, "A table for four"); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetQRCode(ctx, srv.PhoneNumberID, qr.Code, "")
	if err != nil || got.PrefilledMessage != "A table for four" {
		t.Errorf("get = %+v, %v", got, err)
	}
	client.CreateQRCode(ctx, srv.PhoneNumberID, "Second", "")
	var n int
	for _, err := range client.ListQRCodes(ctx, srv.PhoneNumberID, &whatsapp.ListQRCodesOptions{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("listed %d QR codes", n)
	}
	if err := client.DeleteQRCode(ctx, srv.PhoneNumberID, qr.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetQRCode(ctx, srv.PhoneNumberID, qr.Code, ""); err == nil {
		t.Error("deleted QR code still found")
	}
	status, e := rawPost(t, srv, "/v23.0/"+srv.PhoneNumberID+"/message_qrdls", `{"prefilled_message":"`+strings.Repeat("x", 141)+`"}`)
	if status != 400 || e.Code != 100 {
		t.Errorf("141 characters: HTTP %d code %d", status, e.Code)
	}
}

func TestSubscribedApps(t *testing.T) {
	var box inbox
	cb := httptest.NewTLSServer(whatsapp.NewWebhookHandler(func() whatsapp.WebhookConfig {
		cfg := box.handler(whatsapptest.DefaultAppSecret)
		cfg.VerifyToken = "verify-me"
		return cfg
	}()))
	defer cb.Close()
	srv, client := newTestServer(t, whatsapptest.WithWebhookHTTPClient(cb.Client()))
	ctx := testContext(t)

	err := client.SubscribeApp(ctx, srv.WABAID, &whatsapp.SubscribeOptions{OverrideCallbackURI: cb.URL, VerifyToken: "wrong"})
	if apiError(t, err).Code != 2200 {
		t.Fatalf("wrong verify token: %v, want 2200", err)
	}
	if err := client.SubscribeApp(ctx, srv.WABAID, &whatsapp.SubscribeOptions{OverrideCallbackURI: cb.URL, VerifyToken: "verify-me"}); err != nil {
		t.Fatal(err)
	}
	apps, err := client.ListSubscribedApps(ctx, srv.WABAID)
	if err != nil || len(apps) != 1 || apps[0].OverrideCallbackURI != cb.URL || apps[0].ID == "" {
		t.Fatalf("apps = %+v, %v", apps, err)
	}
	srv.UserSends(testUser, "to the override")
	if _, err := srv.WaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if len(box.messages) != 1 {
		t.Errorf("callback got %d messages", len(box.messages))
	}
	if err := client.UnsubscribeApp(ctx, srv.WABAID); err != nil {
		t.Fatal(err)
	}
	srv.UserSends(testUser, "nobody listens")
	srv.Flush(ctx)
	if len(srv.Deliveries()) != 1 {
		t.Error("delivered after unsubscribe")
	}
	if apps, _ := client.ListSubscribedApps(ctx, srv.WABAID); len(apps) != 0 {
		t.Errorf("apps after unsubscribe = %+v", apps)
	}
}

// multipartBody builds an upload body by hand.
func multipartBody(t *testing.T, ctype string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("messaging_product", "whatsapp")
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="f"`)
	h.Set("Content-Type", ctype)
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	w.Close()
	return &b, w.FormDataContentType()
}
