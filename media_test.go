package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// mediaTestPattern is a deterministic reader of n bytes that holds no
// buffer of its output, so tests can stream 100 MB in constant memory.
type mediaTestPattern struct {
	n, off int64
}

func (p *mediaTestPattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		x := p.off + int64(i)
		b[i] = byte(x ^ x>>8 ^ x>>16)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// mediaTestSum returns the hex SHA-256 of the first n pattern bytes.
func mediaTestSum(t testing.TB, n int64) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, &mediaTestPattern{n: n}); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// mediaTestOnlyReader hides every method but Read (no Seek, no Len).
type mediaTestOnlyReader struct{ r io.Reader }

func (o mediaTestOnlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// mediaTestUpload is what the test server saw of one multipart upload.
type mediaTestUpload struct {
	fields        map[string]string
	fileType      string
	filename      string
	size          int64
	sum           string
	data          []byte // kept only when small
	contentLength int64
	chunked       bool
}

// mediaTestReadUpload parses a multipart upload as a stream, hashing the
// file part instead of keeping it.
func mediaTestReadUpload(t testing.TB, r *http.Request) (*mediaTestUpload, error) {
	t.Helper()
	up := &mediaTestUpload{fields: map[string]string{}, contentLength: r.ContentLength}
	for _, te := range r.TransferEncoding {
		if te == "chunked" {
			up.chunked = true
		}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return up, nil
		}
		if err != nil {
			return nil, err
		}
		if part.FormName() != "file" {
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return nil, err
			}
			up.fields[part.FormName()] = string(b)
			continue
		}
		up.fileType = part.Header.Get("Content-Type")
		up.filename = part.FileName()
		h := sha256.New()
		var keep bytes.Buffer
		w := io.Writer(h)
		w = io.MultiWriter(h, &mediaTestLimitWriter{&keep, 1 << 16})
		n, err := io.Copy(w, part)
		if err != nil {
			return nil, err
		}
		up.size, up.sum = n, hex.EncodeToString(h.Sum(nil))
		if n <= 1<<16 {
			up.data = keep.Bytes()
		}
	}
}

type mediaTestLimitWriter struct {
	b   *bytes.Buffer
	max int
}

func (w *mediaTestLimitWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func TestUploadMedia(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nnot really an image")
	tests := []struct {
		name          string
		body          func() io.Reader
		opts          UploadOptions
		wantType      string
		wantFilename  string
		wantChunked   bool
		wantLenHeader bool
	}{
		{
			name:          "seekable reader: size measured, Content-Length set",
			body:          func() io.Reader { return bytes.NewReader(png) },
			opts:          UploadOptions{MIMEType: "image/png"},
			wantType:      "image/png",
			wantFilename:  "file.png",
			wantLenHeader: true,
		},
		{
			name:         "stream of unknown size: chunked",
			body:         func() io.Reader { return mediaTestOnlyReader{bytes.NewReader(png)} },
			opts:         UploadOptions{MIMEType: "image/png", Filename: `sale "summer".png`},
			wantType:     "image/png",
			wantFilename: `sale "summer".png`,
			wantChunked:  true,
		},
		{
			name:          "stream with declared size",
			body:          func() io.Reader { return mediaTestOnlyReader{bytes.NewReader(png)} },
			opts:          UploadOptions{MIMEType: "IMAGE/PNG", Size: int64(len(png)), Filename: "café.png"},
			wantType:      "image/png",
			wantFilename:  "café.png",
			wantLenHeader: true,
		},
		{
			name:          "type parameters kept",
			body:          func() io.Reader { return bytes.NewReader(png) },
			opts:          UploadOptions{MIMEType: "audio/ogg; codecs=opus"},
			wantType:      "audio/ogg; codecs=opus",
			wantFilename:  "file.ogg",
			wantLenHeader: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			var got *mediaTestUpload
			mux.HandleFunc("/v23.0/1055/media", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodPost)
				if h := r.Header.Get("Authorization"); h != "Bearer test-token" {
					t.Errorf("Authorization = %q", h)
				}
				ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if ct != "multipart/form-data" {
					t.Errorf("Content-Type = %q, want multipart/form-data with a boundary", r.Header.Get("Content-Type"))
				}
				var err error
				if got, err = mediaTestReadUpload(t, r); err != nil {
					t.Errorf("reading upload: %v", err)
				}
				writeJSON(w, 200, `{"id":"4490709327384033"}`)
			})
			id, err := c.UploadMedia(context.Background(), "1055", tc.body(), tc.opts)
			if err != nil {
				t.Fatalf("UploadMedia: %v", err)
			}
			if id != "4490709327384033" {
				t.Errorf("id = %q", id)
			}
			if got == nil {
				t.Fatal("no upload received")
			}
			if spec := mediaTestSpec(t); spec != nil {
				form := map[string]any{"file": "(binary)"}
				for k, v := range got.fields {
					form[k] = v
				}
				spec.CheckRequest(t, http.MethodPost, "/v23.0/1055/media", form)
			}
			if got.fields["messaging_product"] != "whatsapp" || got.fields["type"] != tc.wantType {
				t.Errorf("form fields = %v, want messaging_product=whatsapp type=%s", got.fields, tc.wantType)
			}
			if got.fileType != tc.wantType {
				t.Errorf("file part Content-Type = %q, want %q", got.fileType, tc.wantType)
			}
			if got.filename != tc.wantFilename {
				t.Errorf("filename = %q, want %q", got.filename, tc.wantFilename)
			}
			if !bytes.Equal(got.data, png) {
				t.Errorf("file = %q, want %q", got.data, png)
			}
			if got.chunked != tc.wantChunked {
				t.Errorf("chunked = %v, want %v", got.chunked, tc.wantChunked)
			}
			if (got.contentLength > 0) != tc.wantLenHeader {
				t.Errorf("Content-Length = %d, want set=%v", got.contentLength, tc.wantLenHeader)
			}
		})
	}
}

func TestUploadMediaLocalErrors(t *testing.T) {
	small := func() io.Reader { return strings.NewReader("hello") }
	tests := []struct {
		name      string
		phone     string
		body      func() io.Reader
		opts      UploadOptions
		field     string
		sentinel  error
		wantInMsg string
	}{
		{"no type", "1055", small, UploadOptions{}, "type", ErrUnsupportedMediaType, "required"},
		{"malformed type", "1055", small, UploadOptions{MIMEType: "image/"}, "type", ErrUnsupportedMediaType, "valid MIME"},
		{"octet-stream", "1055", small, UploadOptions{MIMEType: "application/octet-stream"}, "type", ErrUnsupportedMediaType, "accepts"},
		{"html as video", "1055", small, UploadOptions{MIMEType: "text/html"}, "type", ErrUnsupportedMediaType, "accepts"},
		{"gif", "1055", small, UploadOptions{MIMEType: "image/gif"}, "type", ErrUnsupportedMediaType, "accepts"},
		{"declared image over 5 MB", "1055", small, UploadOptions{MIMEType: "image/jpeg", Size: MaxImageSize + 1}, "file", ErrMediaTooLarge, "5242880"},
		{"declared video over 16 MB", "1055", small, UploadOptions{MIMEType: "video/mp4", Size: 16<<20 + 1}, "file", ErrMediaTooLarge, "16777216"},
		{"declared audio over 16 MB", "1055", small, UploadOptions{MIMEType: "audio/mpeg", Size: 16<<20 + 1}, "file", ErrMediaTooLarge, "16777216"},
		{"declared document over 100 MB", "1055", small, UploadOptions{MIMEType: "application/pdf", Size: 100<<20 + 1}, "file", ErrMediaTooLarge, "104857600"},
		{"seekable sticker over 500 KB", "1055", func() io.Reader { return bytes.NewReader(make([]byte, 500<<10+1)) },
			UploadOptions{MIMEType: "image/webp"}, "file", ErrMediaTooLarge, "512000"},
		{"empty seekable file", "1055", func() io.Reader { return bytes.NewReader(nil) }, UploadOptions{MIMEType: "text/plain"}, "file", nil, "empty"},
		{"negative size", "1055", small, UploadOptions{MIMEType: "text/plain", Size: -1}, "file.size", nil, "negative"},
		{"header injection in filename", "1055", small, UploadOptions{MIMEType: "text/plain", Filename: "a\r\nX-Evil: 1"}, "file.filename", nil, "control"},
		{"nil reader", "1055", func() io.Reader { return nil }, UploadOptions{MIMEType: "text/plain"}, "file", nil, "required"},
		{"bad phone number id", "../1055", small, UploadOptions{MIMEType: "text/plain"}, "phone_number_id", nil, "must not contain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("request sent despite invalid input: %s %s", r.Method, r.URL.Path)
			})
			_, err := c.UploadMedia(context.Background(), tc.phone, tc.body(), tc.opts)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *ValidationError", err, err)
			}
			if ve.Field != tc.field {
				t.Errorf("Field = %q, want %q", ve.Field, tc.field)
			}
			if !errors.Is(err, ErrInvalidMessage) {
				t.Error("error does not match ErrInvalidMessage")
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v does not match %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantInMsg)
			}
		})
	}
}

// TestMediaTypesDocumented checks the allow-list and caps against the
// reference's section 4 (and Meta's supported-media table).
func TestMediaTypesDocumented(t *testing.T) {
	want := map[string]struct {
		kind string
		max  int64
	}{
		"image/jpeg": {"image", 5 << 20}, "image/png": {"image", 5 << 20},
		"video/mp4": {"video", 16 << 20}, "video/3gpp": {"video", 16 << 20},
		"audio/aac": {"audio", 16 << 20}, "audio/amr": {"audio", 16 << 20}, "audio/mpeg": {"audio", 16 << 20},
		"audio/mp4": {"audio", 16 << 20}, "audio/ogg": {"audio", 16 << 20},
		"text/plain": {"document", 100 << 20}, "application/pdf": {"document", 100 << 20},
		"application/msword": {"document", 100 << 20},
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"document", 100 << 20},
		"application/vnd.ms-excel": {"document", 100 << 20},
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {"document", 100 << 20},
		"application/vnd.ms-powerpoint":                                             {"document", 100 << 20},
		"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"document", 100 << 20},
		"image/webp": {"sticker", 500 << 10},
	}
	got := MediaTypes()
	if len(got) != len(want) {
		t.Errorf("MediaTypes has %d entries, want %d", len(got), len(want))
	}
	for _, mt := range got {
		w, ok := want[mt.MIMEType]
		if !ok {
			t.Errorf("unexpected type %q", mt.MIMEType)
			continue
		}
		if mt.Kind != w.kind || mt.MaxSize != w.max {
			t.Errorf("%s: kind %s max %d, want %s %d", mt.MIMEType, mt.Kind, mt.MaxSize, w.kind, w.max)
		}
		if !strings.HasPrefix(mt.Extension, ".") {
			t.Errorf("%s: extension %q", mt.MIMEType, mt.Extension)
		}
	}
	for _, s := range []string{"Audio/OGG; codecs=opus", "image/jpeg"} {
		if _, ok := LookupMediaType(s); !ok {
			t.Errorf("LookupMediaType(%q) = false", s)
		}
	}
	for _, s := range []string{"", "image/gif", "application/octet-stream", "video/quicktime", "not a type"} {
		if _, ok := LookupMediaType(s); ok {
			t.Errorf("LookupMediaType(%q) = true", s)
		}
	}
}

// TestUploadMediaStreamingErrors covers what can only be found while the
// file streams: a stream over the cap, a declared size that lies, a failing
// reader. The request is aborted and the local error returned.
func TestUploadMediaStreamingErrors(t *testing.T) {
	readErr := errors.New("disk on fire")
	tests := []struct {
		name     string
		body     io.Reader
		opts     UploadOptions
		sentinel error
		want     string
	}{
		{"stream over the image cap", mediaTestOnlyReader{&mediaTestPattern{n: MaxImageSize + 1}},
			UploadOptions{MIMEType: "image/jpeg"}, ErrMediaTooLarge, "5242880"},
		{"stream over the sticker cap", mediaTestOnlyReader{&mediaTestPattern{n: 10 << 20}},
			UploadOptions{MIMEType: "image/webp"}, ErrMediaTooLarge, "512000"},
		{"longer than declared", mediaTestOnlyReader{&mediaTestPattern{n: 2000}},
			UploadOptions{MIMEType: "application/pdf", Size: 1000}, ErrInvalidMessage, "more bytes than the declared size 1000"},
		{"shorter than declared", mediaTestOnlyReader{&mediaTestPattern{n: 500}},
			UploadOptions{MIMEType: "application/pdf", Size: 1000}, ErrInvalidMessage, "500 bytes, fewer than the declared size 1000"},
		{"empty stream", mediaTestOnlyReader{strings.NewReader("")},
			UploadOptions{MIMEType: "application/pdf"}, ErrInvalidMessage, "empty"},
		{"reader fails", mediaTestOnlyReader{io.MultiReader(strings.NewReader("abc"), iotestErrReader{readErr})},
			UploadOptions{MIMEType: "application/pdf"}, readErr, "disk on fire"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			var served atomic.Int32
			mux.HandleFunc("/v23.0/1055/media", func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				if _, err := mediaTestReadUpload(t, r); err == nil {
					t.Error("server read a complete upload; want it aborted")
				}
				writeJSON(w, 400, `{"error":{"code":100,"message":"bad upload"}}`)
			})
			_, err := c.UploadMedia(context.Background(), "1055", tc.body, tc.opts)
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want one matching %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %q, want it to mention %q", err, tc.want)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				t.Errorf("got the server's error %v; want the local one", ae)
			}
		})
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// mediaTestRetryClient is a client on the in-process retryTestServer, with
// retries on; run it inside a synctest bubble.
func mediaTestRetryClient(srv *retryTestServer) *Client {
	return retryTestClient(srv, RetryConfig{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: 4 * time.Second})
}

// TestUploadMediaRetry: a seekable file is rewound and sent again after a
// 429; a one-shot stream is sent once and the 429 returned.
func TestUploadMediaRetry(t *testing.T) {
	script := []retryTestResponse{
		{status: 429, body: `{"error":{"code":130429,"message":"Rate limit hit"}}`},
		{status: 200, body: `{"id":"77"}`},
	}
	t.Run("seekable file is rewound", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := &retryTestServer{script: script}
			c := mediaTestRetryClient(srv)
			r := strings.NewReader("skip-me:payload")
			r.Seek(8, io.SeekStart) // the upload starts at the current offset
			id, err := c.UploadMedia(context.Background(), "1055", r, UploadOptions{MIMEType: "text/plain"})
			if err != nil || id != "77" {
				t.Fatalf("UploadMedia = %q, %v", id, err)
			}
			if srv.attempts() != 2 {
				t.Fatalf("attempts = %d, want 2", srv.attempts())
			}
			for i, b := range srv.bodies {
				if !strings.Contains(b, "\r\n\r\npayload\r\n--") || strings.Contains(b, "skip-me") {
					t.Errorf("attempt %d body does not carry exactly the file:\n%s", i+1, b)
				}
			}
		})
	})
	t.Run("one-shot stream is not retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := &retryTestServer{script: script}
			c := mediaTestRetryClient(srv)
			_, err := c.UploadMedia(context.Background(), "1055", mediaTestOnlyReader{strings.NewReader("payload")}, UploadOptions{MIMEType: "text/plain"})
			if !errors.Is(err, ErrRateLimited) {
				t.Fatalf("err = %v, want the 429 (ErrRateLimited)", err)
			}
			if srv.attempts() != 1 {
				t.Fatalf("attempts = %d, want 1", srv.attempts())
			}
		})
	})
}

func TestUploadMediaAPIError(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/media", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		writeJSON(w, 400, `{"error":{"message":"(#131053) Media upload error","type":"OAuthException","code":131053,
			"error_data":{"messaging_product":"whatsapp","details":"Unsupported Video mime type text/html"}}}`)
	})
	_, err := c.UploadMedia(context.Background(), "1055", strings.NewReader("<html>"), UploadOptions{MIMEType: "video/mp4"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 131053 || ae.HTTPStatus != 400 {
		t.Fatalf("err = %v, want *APIError 131053", err)
	}
	if ae.Path != "/v23.0/1055/media" {
		t.Errorf("Path = %q", ae.Path)
	}
}

// TestUploadMediaConstantMemory streams 100 MB through httptest and checks
// that the process allocated a small fraction of that.
func TestUploadMediaConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	const size = 100 << 20
	want := mediaTestSum(t, size)
	c, mux := testSetup(t)
	var got *mediaTestUpload
	mux.HandleFunc("/v23.0/1055/media", func(w http.ResponseWriter, r *http.Request) {
		var err error
		if got, err = mediaTestReadUpload(t, r); err != nil {
			t.Errorf("reading upload: %v", err)
		}
		writeJSON(w, 200, `{"id":"1"}`)
	})
	alloc := mediaTestAllocated(func() {
		if _, err := c.UploadMedia(context.Background(), "1055", mediaTestOnlyReader{&mediaTestPattern{n: size}},
			UploadOptions{MIMEType: "application/pdf"}); err != nil {
			t.Fatalf("UploadMedia: %v", err)
		}
	})
	if got == nil || got.size != size || got.sum != want {
		t.Fatalf("server received %+v, want %d bytes with sha256 %s", got, size, want)
	}
	// Client and server together: a buffered body would allocate over
	// 100 MB; streaming needs buffers of a few tens of kilobytes.
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes to stream %d; want under 4 MiB", alloc, size)
	}
	t.Logf("allocated %d bytes to upload %d", alloc, size)
}

// mediaTestAllocated returns the bytes allocated by the process while f
// ran.
func mediaTestAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestGetMediaURL(t *testing.T) {
	for _, size := range []string{`303833`, `"303833"`} {
		t.Run("file_size "+size, func(t *testing.T) {
			c, mux := testSetup(t)
			mux.HandleFunc("/v23.0/2621233374848975", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				if got := r.URL.Query().Get("phone_number_id"); got != "1055" {
					t.Errorf("phone_number_id = %q", got)
				}
				writeJSON(w, 200, `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&hash=x",
					"mime_type":"image/jpeg","sha256":"abc","file_size":`+size+`,"id":"2621233374848975"}`)
			})
			m, err := c.GetMediaURL(context.Background(), "2621233374848975", &MediaOptions{PhoneNumberID: "1055"})
			if err != nil {
				t.Fatal(err)
			}
			want := Media{ID: "2621233374848975", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&hash=x",
				MIMEType: "image/jpeg", SHA256: "abc", FileSize: 303833, MessagingProduct: "whatsapp"}
			if *m != want {
				t.Errorf("got %+v\nwant %+v", *m, want)
			}
		})
	}
	t.Run("bad id", func(t *testing.T) {
		c, _ := testSetup(t)
		if _, err := c.GetMediaURL(context.Background(), "a/b", nil); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		c, mux := testSetup(t)
		mux.HandleFunc("/v23.0/9", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"error":{"message":"Unsupported get request.","type":"GraphMethodException","code":100,"error_subcode":33}}`)
		})
		_, err := c.GetMediaURL(context.Background(), "9", nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != 100 || ae.Subcode != 33 {
			t.Errorf("err = %v", err)
		}
	})
}

func TestDeleteMedia(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/2621233374848975", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodDelete)
		if got := r.URL.Query().Get("phone_number_id"); got != "1055" {
			t.Errorf("phone_number_id = %q", got)
		}
		writeJSON(w, 200, `{"success":true}`)
	})
	if err := c.DeleteMedia(context.Background(), "2621233374848975", &MediaOptions{PhoneNumberID: "1055"}); err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("/v23.0/3", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"success":false}`) })
	if err := c.DeleteMedia(context.Background(), "3", nil); err == nil || !strings.Contains(err.Error(), "success=false") {
		t.Errorf("success=false: err = %v", err)
	}
	if err := c.DeleteMedia(context.Background(), "3", &MediaOptions{PhoneNumberID: "1 2"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("bad phone_number_id: err = %v", err)
	}
}

// mediaTestCDN serves media under /cdn/ on the test server, like Meta's
// lookaside host, and the lookup endpoint that points at it.
type mediaTestCDN struct {
	t        testing.TB
	base     string // server URL + testBasePath
	lookups  atomic.Int32
	fetches  atomic.Int32
	expired  atomic.Int32 // answer 404 to this many fetches first
	body     func() io.Reader
	sha      string
	fileSize int64
}

func newMediaTestCDN(t testing.TB, c *Client, mux *http.ServeMux, body []byte) *mediaTestCDN {
	t.Helper()
	sum := sha256.Sum256(body)
	cdn := &mediaTestCDN{t: t, base: strings.TrimSuffix(c.prefix, "v23.0/"), sha: hex.EncodeToString(sum[:]),
		body: func() io.Reader { return bytes.NewReader(body) }, fileSize: int64(len(body))}
	cdn.register(mux)
	return cdn
}

func (cdn *mediaTestCDN) register(mux *http.ServeMux) {
	t := cdn.t
	mux.HandleFunc("/v23.0/4490709327384033", func(w http.ResponseWriter, r *http.Request) {
		n := cdn.lookups.Add(1)
		writeJSON(w, 200, fmt.Sprintf(`{"messaging_product":"whatsapp","url":"%scdn/file?mid=4490709327384033&sig=SIGNED-SECRET-%d",
			"mime_type":"application/pdf","sha256":"%s","file_size":%d,"id":"4490709327384033"}`, cdn.base, n, cdn.sha, cdn.fileSize))
	})
	mux.HandleFunc("/cdn/file", func(w http.ResponseWriter, r *http.Request) {
		cdn.fetches.Add(1)
		testMethod(t, r, http.MethodGet)
		if h := r.Header.Get("Authorization"); h != "Bearer test-token" {
			t.Errorf("media fetch Authorization = %q", h)
		}
		if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "wacloud-whatsapp-go/") {
			t.Errorf("media fetch User-Agent = %q", ua)
		}
		if cdn.expired.Load() > 0 {
			cdn.expired.Add(-1)
			http.Error(w, "URL signature expired", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		io.Copy(w, cdn.body())
	})
}

func TestDownloadMedia(t *testing.T) {
	file := []byte("%PDF-1.7 a small document")
	sum := sha256.Sum256(file)
	tests := []struct {
		name        string
		expired     int32
		opts        *DownloadOptions
		wantLookups int32
		wantFetches int32
		wantErr     error
	}{
		{name: "checks the platform's sha256", wantLookups: 1, wantFetches: 1},
		{name: "webhook sha256 in hex", opts: &DownloadOptions{SHA256: hex.EncodeToString(sum[:])}, wantLookups: 1, wantFetches: 1},
		{name: "webhook sha256 in base64", opts: &DownloadOptions{SHA256: base64.StdEncoding.EncodeToString(sum[:])}, wantLookups: 1, wantFetches: 1},
		{name: "expired URL is looked up again once", expired: 1, wantLookups: 2, wantFetches: 2},
		{name: "expired twice: the error is returned", expired: 2, wantLookups: 2, wantFetches: 2, wantErr: &APIError{}},
		{name: "wrong sha256", opts: &DownloadOptions{SHA256: strings.Repeat("ab", 32)}, wantLookups: 1, wantFetches: 1, wantErr: ErrMediaChecksum},
		{name: "over MaxSize (from file_size)", opts: &DownloadOptions{MaxSize: 10}, wantLookups: 1, wantFetches: 0, wantErr: ErrMediaTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			cdn := newMediaTestCDN(t, c, mux, file)
			cdn.expired.Store(tc.expired)
			var buf bytes.Buffer
			res, err := c.DownloadMedia(context.Background(), "4490709327384033", &buf, tc.opts)
			if got := cdn.lookups.Load(); got != tc.wantLookups {
				t.Errorf("lookups = %d, want %d", got, tc.wantLookups)
			}
			if got := cdn.fetches.Load(); got != tc.wantFetches {
				t.Errorf("fetches = %d, want %d", got, tc.wantFetches)
			}
			if tc.wantErr != nil {
				if ae, ok := tc.wantErr.(*APIError); ok {
					if !errors.As(err, &ae) || ae.HTTPStatus != 404 {
						t.Fatalf("err = %v, want the 404", err)
					}
				} else if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "SIGNED-SECRET") {
					t.Errorf("error leaks the signed URL: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), file) {
				t.Errorf("wrote %q", buf.Bytes())
			}
			want := DownloadResult{Size: int64(len(file)), MIMEType: "application/pdf", SHA256: hex.EncodeToString(sum[:])}
			if *res != want {
				t.Errorf("result %+v, want %+v", *res, want)
			}
		})
	}
}

func TestDownloadChecksumError(t *testing.T) {
	c, mux := testSetup(t)
	cdn := newMediaTestCDN(t, c, mux, []byte("tampered"))
	cdn.sha = strings.Repeat("0", 64)
	_, err := c.DownloadMedia(context.Background(), "4490709327384033", io.Discard, nil)
	var ce *MediaChecksumError
	if !errors.As(err, &ce) || ce.Want != cdn.sha || len(ce.Got) != 64 {
		t.Fatalf("err = %v, want *MediaChecksumError", err)
	}
	if !errors.Is(err, ErrMediaChecksum) {
		t.Error("does not match ErrMediaChecksum")
	}
}

func TestDownload(t *testing.T) {
	file := []byte("voice note bytes")
	t.Run("URL on the API host", func(t *testing.T) {
		c, mux := testSetup(t)
		cdn := newMediaTestCDN(t, c, mux, file)
		var buf bytes.Buffer
		res, err := c.Download(context.Background(), cdn.base+"cdn/file?sig=x", &buf, &DownloadOptions{SHA256: cdn.sha})
		if err != nil {
			t.Fatal(err)
		}
		if buf.String() != string(file) || res.Size != int64(len(file)) || res.MIMEType != "application/pdf" {
			t.Errorf("got %q %+v", buf.Bytes(), res)
		}
	})
	t.Run("expired URL refreshed through MediaID", func(t *testing.T) {
		c, mux := testSetup(t)
		cdn := newMediaTestCDN(t, c, mux, file)
		cdn.expired.Store(1)
		var buf bytes.Buffer
		_, err := c.Download(context.Background(), cdn.base+"cdn/file?sig=old", &buf, &DownloadOptions{MediaID: "4490709327384033"})
		if err != nil {
			t.Fatal(err)
		}
		if cdn.lookups.Load() != 1 || cdn.fetches.Load() != 2 || buf.String() != string(file) {
			t.Errorf("lookups %d fetches %d body %q", cdn.lookups.Load(), cdn.fetches.Load(), buf.Bytes())
		}
	})
	t.Run("expired URL without MediaID", func(t *testing.T) {
		c, mux := testSetup(t)
		cdn := newMediaTestCDN(t, c, mux, file)
		cdn.expired.Store(1)
		_, err := c.Download(context.Background(), cdn.base+"cdn/file?sig=SIGNED-SECRET", io.Discard, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != 404 {
			t.Fatalf("err = %v, want the 404", err)
		}
		if strings.Contains(err.Error(), "SIGNED-SECRET") || strings.Contains(ae.Path, "sig=") {
			t.Errorf("error leaks the signed query: %v", err)
		}
	})
}

// TestDownloadRefusesForeignHosts: the token goes to the API host, to
// lookaside.fbsbx.com over HTTPS and to hosts the caller adds; anything
// else is refused before a request is made.
func TestDownloadRefusesForeignHosts(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent to %s", r.URL)
	})
	tests := []struct {
		url   string
		extra []string
	}{
		{url: "https://evil.example/whatsapp_business/attachments/?mid=1&hash=SIGNED"},
		{url: "https://lookaside.fbsbx.com.evil.example/x?mid=1"},
		{url: "https://evil.example/x", extra: []string{"other.example"}},
		{url: "http://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"},
		{url: "https://lookaside.fbsbx.com:8443/x"},
		{url: "https://user:pw@lookaside.fbsbx.com/x"},
		{url: "http://cdn.example/x", extra: []string{"cdn.example"}},
		{url: "ftp://lookaside.fbsbx.com/x"},
		{url: "/relative/path"},
		{url: ""},
		{url: strings.Replace(c.prefix, "http://", "https://", 1) + "x"}, // API host, other scheme
	}
	for _, tc := range tests {
		_, err := c.Download(context.Background(), tc.url, io.Discard, &DownloadOptions{AllowedHosts: tc.extra})
		if tc.url != "" && !errors.Is(err, ErrMediaHostNotAllowed) {
			t.Errorf("Download(%q) err = %v, want ErrMediaHostNotAllowed", tc.url, err)
		}
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Download(%q) err = %v, want a *ValidationError", tc.url, err)
		}
		if err != nil && strings.Contains(err.Error(), "SIGNED") {
			t.Errorf("error leaks the URL query: %v", err)
		}
	}
}

// TestDownloadAllowedHosts sends the token to an extra host over TLS.
func TestDownloadAllowedHosts(t *testing.T) {
	var gotAuth string
	cdn := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		io.WriteString(w, "from the cdn")
	}))
	defer cdn.Close()
	c, _ := testSetup(t, WithHTTPClient(cdn.Client()))
	host := strings.TrimPrefix(cdn.URL, "https://")
	var buf bytes.Buffer
	if _, err := c.Download(context.Background(), cdn.URL+"/m?sig=1", &buf, nil); !errors.Is(err, ErrMediaHostNotAllowed) {
		t.Fatalf("without AllowedHosts: err = %v", err)
	}
	res, err := c.Download(context.Background(), cdn.URL+"/m?sig=1", &buf, &DownloadOptions{AllowedHosts: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer test-token" || buf.String() != "from the cdn" {
		t.Errorf("auth %q body %q", gotAuth, buf.String())
	}
	if res.Size != 12 || res.SHA256 != "" {
		t.Errorf("result %+v, want 12 bytes and no hash (none to check)", res)
	}
}

func TestDownloadMaxSize(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1000)
	tests := []struct {
		name    string
		chunked bool
	}{{"Content-Length over MaxSize", false}, {"chunked body over MaxSize", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := testSetup(t)
			mux.HandleFunc("/cdn/big", func(w http.ResponseWriter, r *http.Request) {
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				}
				w.Write(big[:1])
				w.(http.Flusher).Flush()
				w.Write(big[1:])
			})
			base := strings.TrimSuffix(c.prefix, "v23.0/")
			var buf bytes.Buffer
			_, err := c.Download(context.Background(), base+"cdn/big", &buf, &DownloadOptions{MaxSize: 999})
			if !errors.Is(err, ErrMediaTooLarge) {
				t.Fatalf("err = %v, want ErrMediaTooLarge", err)
			}
			if buf.Len() > 999 {
				t.Errorf("wrote %d bytes, over MaxSize", buf.Len())
			}
			buf.Reset()
			if _, err := c.Download(context.Background(), base+"cdn/big", &buf, &DownloadOptions{MaxSize: 1000}); err != nil || buf.Len() != 1000 {
				t.Errorf("at MaxSize: err %v, wrote %d", err, buf.Len())
			}
		})
	}
}

func TestDownloadBadInput(t *testing.T) {
	c, _ := testSetup(t)
	base := strings.TrimSuffix(c.prefix, "v23.0/")
	if _, err := c.Download(context.Background(), base+"x", nil, nil); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("nil writer: %v", err)
	}
	if _, err := c.Download(context.Background(), base+"x", io.Discard, &DownloadOptions{SHA256: "nothex"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("bad sha256: %v", err)
	}
	if _, err := c.DownloadMedia(context.Background(), "..", io.Discard, nil); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("bad media id: %v", err)
	}
}

// TestDownloadTransportErrorRedacted: a connection failure names the host
// and path, never the signed query.
func TestDownloadTransportErrorRedacted(t *testing.T) {
	c, _ := testSetup(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	_, err := c.Download(context.Background(), dead+"/m?hash=SIGNED-SECRET", io.Discard,
		&DownloadOptions{AllowedHosts: []string{strings.TrimPrefix(dead, "http://")}})
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	// http is refused for extra hosts; reach the dead server as the API host.
	c2 := NewClient("test-token", WithBaseURL(dead), WithRetry(RetryConfig{MaxAttempts: 1}))
	_, err = c2.Download(context.Background(), dead+"/m?hash=SIGNED-SECRET", io.Discard, nil)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	if strings.Contains(err.Error(), "SIGNED-SECRET") || strings.Contains(err.Error(), "hash=") {
		t.Errorf("transport error leaks the signed query: %v", err)
	}
	if !strings.Contains(err.Error(), "/m") {
		t.Errorf("error does not name the path: %v", err)
	}
}

func TestDownloadMediaConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	const size = 100 << 20
	want := mediaTestSum(t, size)
	c, mux := testSetup(t)
	cdn := newMediaTestCDN(t, c, mux, nil)
	cdn.body = func() io.Reader { return &mediaTestPattern{n: size} }
	cdn.sha, cdn.fileSize = want, size
	h := sha256.New()
	var res *DownloadResult
	alloc := mediaTestAllocated(func() {
		var err error
		if res, err = c.DownloadMedia(context.Background(), "4490709327384033", h, nil); err != nil {
			t.Fatalf("DownloadMedia: %v", err)
		}
	})
	if res.Size != size || hex.EncodeToString(h.Sum(nil)) != want {
		t.Fatalf("downloaded %d bytes, sha256 %x", res.Size, h.Sum(nil))
	}
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes to stream %d; want under 4 MiB", alloc, size)
	}
	t.Logf("allocated %d bytes to download %d", alloc, size)
}

// TestDownloadRedirectDropsToken: a media URL that redirects to another
// host does not take the access token along (net/http drops Authorization
// on a redirect to a different domain; this pins that behaviour).
func TestDownloadRedirectDropsToken(t *testing.T) {
	var gotAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, "elsewhere")
	}))
	defer other.Close()
	// Same port, other host name: "localhost" instead of "127.0.0.1".
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/x"
	c, mux := testSetup(t)
	mux.HandleFunc("/cdn/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
	var buf bytes.Buffer
	_, err := c.Download(context.Background(), strings.TrimSuffix(c.prefix, "v23.0/")+"cdn/moved", &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth, _ := gotAuth.Load().(string); auth != "" || buf.String() != "elsewhere" {
		t.Errorf("redirected request carried Authorization %q (body %q)", auth, buf.String())
	}
}

// TestUploadMediaCanceled: cancelling the context mid-stream stops the
// upload with the context's error.
func TestUploadMediaCanceled(t *testing.T) {
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/media", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		writeJSON(w, 200, `{"id":"1"}`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &mediaTestCancelReader{r: &mediaTestPattern{n: 50 << 20}, after: 1 << 20, cancel: cancel}
	_, err := c.UploadMedia(ctx, "1055", mediaTestOnlyReader{src}, UploadOptions{MIMEType: "application/pdf"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := src.n.Load(); n >= 50<<20 {
		t.Errorf("the whole file was read (%d bytes) despite the cancel", n)
	}
}

// mediaTestCancelReader cancels a context after `after` bytes.
type mediaTestCancelReader struct {
	r      io.Reader
	n      atomic.Int64
	after  int64
	cancel func()
}

func (c *mediaTestCancelReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	if c.n.Add(int64(k)) >= c.after {
		c.cancel()
	}
	return k, err
}
