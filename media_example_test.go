package whatsapp_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/wacloud/whatsapp"
)

// mediaExampleFile is the file the example API holds as media 4490709327384033.
var mediaExampleFile = []byte("%PDF-1.7 invoice #4512")

// mediaExampleAPI stands in for the Cloud API and its media host in the
// examples of media, phone numbers, block list and QR codes.
func mediaExampleAPI() *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	mux.HandleFunc("POST /v23.0/106540352242922/media", func(w http.ResponseWriter, r *http.Request) {
		f, h, err := r.FormFile("file")
		if err != nil {
			reply(w, 400, `{"error":{"code":100,"message":"no file"}}`)
			return
		}
		n, _ := io.Copy(io.Discard, f)
		fmt.Printf("server got %s (%s, %d bytes)\n", h.Filename, h.Header.Get("Content-Type"), n)
		reply(w, 200, `{"id":"4490709327384033"}`)
	})
	mux.HandleFunc("GET /v23.0/4490709327384033", func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256(mediaExampleFile)
		reply(w, 200, fmt.Sprintf(`{"messaging_product":"whatsapp","url":"%s/media/4490709327384033?sig=secret",
			"mime_type":"application/pdf","sha256":"%x","file_size":%d,"id":"4490709327384033"}`, srv.URL, sum, len(mediaExampleFile)))
	})
	mux.HandleFunc("GET /media/4490709327384033", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(mediaExampleFile)
	})
	mux.HandleFunc("GET /v23.0/102290129340398/phone_numbers", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			reply(w, 200, `{"data":[{"id":"106540352242922","display_phone_number":"+1 555-010-0001","quality_rating":"GREEN","status":"CONNECTED"}],
				"paging":{"cursors":{"after":"QVFI"},"next":"https://graph.facebook.com/next"}}`)
			return
		}
		reply(w, 200, `{"data":[{"id":"106540352242923","display_phone_number":"+1 555-010-0002","quality_rating":"YELLOW","status":"FLAGGED"}],
			"paging":{"cursors":{"before":"QVFI"}}}`)
	})
	mux.HandleFunc("POST /v23.0/106540352242922/block_users", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 400, `{"messaging_product":"whatsapp","block_users":{
			"added_users":[{"input":"+15550001111","wa_id":"15550001111"}],
			"failed_users":[{"input":"+15550002222","wa_id":"15550002222","errors":[{"message":"Re-engagement required","code":131047,
				"error_data":{"details":"User has not messaged in the last 24 hours"}}]}]},
			"error":{"message":"(#139100) Failed to block/unblock users","type":"OAuthException","code":139100}}`)
	})
	mux.HandleFunc("POST /v23.0/106540352242922/message_qrdls", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"code":"4O4YGZEG3RIVE1","prefilled_message":"Where is my order?",
			"deep_link_url":"https://wa.me/message/4O4YGZEG3RIVE1","qr_image_url":"https://scontent.example/qr.png"}`)
	})
	srv = httptest.NewServer(mux)
	return srv
}

func ExampleClient_UploadMedia() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))
	ctx := context.Background()

	// An *os.File works the same way; its size is found by seeking.
	file := bytes.NewReader(mediaExampleFile)
	id, err := client.UploadMedia(ctx, "106540352242922", file, whatsapp.UploadOptions{
		MIMEType: "application/pdf",
		Filename: "invoice-4512.pdf",
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("media id:", id)

	// Types the Cloud API refuses, and files over their kind's cap, are
	// refused before anything is sent.
	_, err = client.UploadMedia(ctx, "106540352242922", strings.NewReader("GIF89a"), whatsapp.UploadOptions{MIMEType: "image/gif"})
	fmt.Println(errors.Is(err, whatsapp.ErrUnsupportedMediaType))
	_, err = client.UploadMedia(ctx, "106540352242922", strings.NewReader("..."), whatsapp.UploadOptions{
		MIMEType: "image/jpeg", Size: 6 << 20,
	})
	fmt.Println(err)
	// Output:
	// server got invoice-4512.pdf (application/pdf, 22 bytes)
	// media id: 4490709327384033
	// true
	// whatsapp: invalid message: file: is larger than the 5242880 bytes accepted for this type (got 6291456)
}

func ExampleClient_DownloadMedia() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))

	// The media id comes from an inbound message's webhook. DownloadMedia
	// looks up the short-lived URL, streams the file and checks its hash.
	var buf bytes.Buffer // an *os.File in practice
	res, err := client.DownloadMedia(context.Background(), "4490709327384033", &buf, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(res.MIMEType, res.Size, "bytes:", buf.String())
	// Output: application/pdf 22 bytes: %PDF-1.7 invoice #4512
}

func ExampleClient_Download() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))
	ctx := context.Background()

	// A media URL from a webhook, with the hash the webhook gave.
	sum := sha256.Sum256(mediaExampleFile)
	var buf bytes.Buffer
	_, err := client.Download(ctx, api.URL+"/media/4490709327384033?sig=secret", &buf, &whatsapp.DownloadOptions{
		SHA256:  hex.EncodeToString(sum[:]),
		MediaID: "4490709327384033", // lets Download refresh an expired URL
	})
	fmt.Println(err, buf.Len())

	// The access token is never sent to a host that is not Meta's.
	_, err = client.Download(ctx, "https://media.example.net/steal?token=1", &buf, nil)
	fmt.Println(errors.Is(err, whatsapp.ErrMediaHostNotAllowed))
	// Output:
	// <nil> 22
	// true
}

func ExampleClient_ListPhoneNumbers() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))

	opts := &whatsapp.ListPhoneNumbersOptions{Fields: []string{"display_phone_number", "quality_rating", "status"}}
	for pn, err := range client.ListPhoneNumbers(context.Background(), "102290129340398", opts) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(pn.DisplayPhoneNumber, pn.QualityRating, pn.Status, pn.Status.CanSend())
	}
	// Output:
	// +1 555-010-0001 GREEN CONNECTED true
	// +1 555-010-0002 YELLOW FLAGGED false
}

func ExampleClient_BlockUsers() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))

	res, err := client.BlockUsers(context.Background(), "106540352242922", "+15550001111", "+15550002222")
	if res == nil {
		fmt.Println("error:", err)
		return
	}
	for _, u := range res.Users {
		fmt.Println("blocked", u.WaID)
	}
	for _, f := range res.Failed {
		fmt.Println("not blocked", f.Input, errors.Is(f.Err(), whatsapp.ErrWindowClosed))
	}
	// Output:
	// blocked 15550001111
	// not blocked +15550002222 true
}

func ExampleClient_CreateQRCode() {
	api := mediaExampleAPI()
	defer api.Close()
	client := whatsapp.NewClient("example-token", whatsapp.WithBaseURL(api.URL))

	qr, err := client.CreateQRCode(context.Background(), "106540352242922", "Where is my order?", whatsapp.QRImagePNG)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(qr.Code, qr.DeepLinkURL)
	// Output: 4O4YGZEG3RIVE1 https://wa.me/message/4O4YGZEG3RIVE1
}

func ExampleBusinessProfileUpdate_Validate() {
	u := whatsapp.BusinessProfileUpdate{
		About:    "Fresh produce, every day.",
		Websites: []string{"https://www.example.com/", "https://shop.example.com/", "https://blog.example.com/"},
	}
	fmt.Println(u.Validate())
	// Output: whatsapp: invalid message: websites: must have at most 2 items, has 3
}
