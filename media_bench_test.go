package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"testing"
)

// mediaBenchReader yields n bytes cut from a fixed block: a source that
// costs next to nothing and holds no buffer of its output.
type mediaBenchReader struct {
	block  []byte
	n, off int64
}

func (r *mediaBenchReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	if rem := r.n - r.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	k := 0
	for k < len(p) {
		i := int((r.off + int64(k)) % int64(len(r.block)))
		k += copy(p[k:], r.block[i:])
	}
	r.off += int64(k)
	return k, nil
}

func mediaBenchBlock() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = byte(i*31 + i>>8)
	}
	return b
}

var mediaBenchSizes = []struct {
	name string
	n    int64
}{{"1MB", 1 << 20}, {"100MB", 100 << 20}}

// BenchmarkUploadMedia streams a PDF of 1 MB and of 100 MB through
// httptest with UploadMedia, against the floor: the same multipart body
// written by hand with mime/multipart through an io.Pipe and sent with
// net/http, in the same run. Allocations should not grow with the size.
//
//	go test -run '^$' -bench 'BenchmarkUploadMedia|BenchmarkDownloadMedia' -benchmem .
func BenchmarkUploadMedia(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			io.Copy(io.Discard, part)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"4490709327384033"}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	block := mediaBenchBlock()

	for _, size := range mediaBenchSizes {
		// client: the size is known (as for a file), the body has a
		// Content-Length. client_stream: the size is unknown, the body is
		// chunked, like the floor's (net/http allocates per chunk).
		for _, known := range []bool{true, false} {
			name := size.name + "/client"
			if !known {
				name += "_stream"
			}
			b.Run(name, func(b *testing.B) {
				c := NewClient("bench-token", WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}))
				opts := UploadOptions{MIMEType: "application/pdf", Filename: "report.pdf"}
				if known {
					opts.Size = size.n
				}
				b.SetBytes(size.n)
				b.ReportAllocs()
				for b.Loop() {
					src := mediaTestOnlyReader{&mediaBenchReader{block: block, n: size.n}}
					id, err := c.UploadMedia(ctx, "1055", src, opts)
					if err != nil || id != "4490709327384033" {
						b.Fatal(id, err)
					}
				}
			})
		}
		b.Run(size.name+"/floor", func(b *testing.B) {
			hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			url := srv.URL + "/v23.0/1055/media"
			b.SetBytes(size.n)
			b.ReportAllocs()
			for b.Loop() {
				src := &mediaBenchReader{block: block, n: size.n}
				pr, pw := io.Pipe()
				mw := multipart.NewWriter(pw)
				go func() {
					mw.WriteField("messaging_product", "whatsapp")
					mw.WriteField("type", "application/pdf")
					h := textproto.MIMEHeader{}
					h.Set("Content-Disposition", `form-data; name="file"; filename="report.pdf"`)
					h.Set("Content-Type", "application/pdf")
					part, err := mw.CreatePart(h)
					if err == nil {
						_, err = io.Copy(part, src)
					}
					if err == nil {
						err = mw.Close()
					}
					pw.CloseWithError(err)
				}()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer bench-token")
				req.Header.Set("Content-Type", mw.FormDataContentType())
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || !bytes.Contains(raw, []byte("4490709327384033")) {
					b.Fatal(err, resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkDownloadMedia streams 1 MB and 100 MB through httptest with
// Download, against the floor: net/http and io.Copy, in the same run;
// with and without the SHA-256 check on both sides.
func BenchmarkDownloadMedia(b *testing.B) {
	block := mediaBenchBlock()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		io.Copy(w, &mediaBenchReader{block: block, n: n})
	}))
	defer srv.Close()
	ctx := context.Background()

	for _, size := range mediaBenchSizes {
		h := sha256.New()
		io.Copy(h, &mediaBenchReader{block: block, n: size.n})
		sum := hex.EncodeToString(h.Sum(nil))
		url := srv.URL + "/media/file?n=" + strconv.FormatInt(size.n, 10)
		for _, check := range []bool{false, true} {
			suffix := ""
			if check {
				suffix = "_sha256"
			}
			b.Run(size.name+"/client"+suffix, func(b *testing.B) {
				c := NewClient("bench-token", WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}))
				opts := &DownloadOptions{}
				if check {
					opts.SHA256 = sum
				}
				b.SetBytes(size.n)
				b.ReportAllocs()
				for b.Loop() {
					res, err := c.Download(ctx, url, io.Discard, opts)
					if err != nil || res.Size != size.n {
						b.Fatal(res, err)
					}
				}
			})
			b.Run(size.name+"/floor"+suffix, func(b *testing.B) {
				hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
				b.SetBytes(size.n)
				b.ReportAllocs()
				for b.Loop() {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Authorization", "Bearer bench-token")
					resp, err := hc.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					var w io.Writer = io.Discard
					var h2 hash.Hash
					if check {
						h2 = sha256.New()
						w = io.MultiWriter(io.Discard, h2)
					}
					n, err := io.Copy(w, resp.Body)
					resp.Body.Close()
					if err != nil || n != size.n || resp.StatusCode != 200 {
						b.Fatal(n, err)
					}
					if check && hex.EncodeToString(h2.Sum(nil)) != sum {
						b.Fatal("checksum mismatch")
					}
				}
			})
		}
	}
}
