package whatsapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Media size caps, per kind, as the Cloud API documents them (a megabyte
// is taken as 2^20 bytes, the more lenient reading).
const (
	MaxImageSize    = 5 << 20   // image/jpeg, image/png
	MaxVideoSize    = 16 << 20  // video/mp4, video/3gpp
	MaxAudioSize    = 16 << 20  // audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg
	MaxDocumentSize = 100 << 20 // text/plain, PDF, Word, Excel, PowerPoint
	// MaxStickerSize is the cap of an animated sticker; a static sticker
	// must not exceed 100 KB, which the platform checks.
	MaxStickerSize = 500 << 10
	// MaxMediaSize is the largest file the platform stores or delivers,
	// and the default cap of a download.
	MaxMediaSize = MaxDocumentSize
)

// Errors of the media calls. Each is wrapped by a *ValidationError (for
// local checks) or another typed error; test with errors.Is.
var (
	// ErrUnsupportedMediaType: the MIME type is not one the Cloud API
	// accepts for upload.
	ErrUnsupportedMediaType = errors.New("whatsapp: unsupported media type")
	// ErrMediaTooLarge: the file is over its kind's cap (on upload) or
	// over the download's MaxSize.
	ErrMediaTooLarge = errors.New("whatsapp: media file too large")
	// ErrMediaHostNotAllowed: a media URL points to a host the access
	// token must not be sent to.
	ErrMediaHostNotAllowed = errors.New("whatsapp: media URL host not allowed")
	// ErrMediaChecksum: the downloaded bytes do not have the expected
	// SHA-256. The bytes were already written and must be discarded.
	ErrMediaChecksum = errors.New("whatsapp: media checksum mismatch")
)

// MediaType is a MIME type the Cloud API accepts, with the message kind it
// is sent as and the kind's size cap.
type MediaType struct {
	// MIMEType is the type without parameters, e.g. "audio/ogg".
	MIMEType string
	// Kind is the message kind: TypeImage, TypeVideo, TypeAudio,
	// TypeDocument or TypeSticker.
	Kind string
	// MaxSize is the largest accepted file, in bytes.
	MaxSize int64
	// Extension is the usual file name extension, e.g. ".jpg".
	Extension string
}

// MediaTypes returns every MIME type the Cloud API accepts for upload. The
// slice is fresh: the caller may modify it.
func MediaTypes() []MediaType {
	return []MediaType{
		{"image/jpeg", TypeImage, MaxImageSize, ".jpg"},
		{"image/png", TypeImage, MaxImageSize, ".png"},
		{"video/mp4", TypeVideo, MaxVideoSize, ".mp4"},
		{"video/3gpp", TypeVideo, MaxVideoSize, ".3gp"},
		{"audio/aac", TypeAudio, MaxAudioSize, ".aac"},
		{"audio/amr", TypeAudio, MaxAudioSize, ".amr"},
		{"audio/mpeg", TypeAudio, MaxAudioSize, ".mp3"},
		{"audio/mp4", TypeAudio, MaxAudioSize, ".m4a"},
		{"audio/ogg", TypeAudio, MaxAudioSize, ".ogg"}, // Opus codec only
		{"text/plain", TypeDocument, MaxDocumentSize, ".txt"},
		{"application/pdf", TypeDocument, MaxDocumentSize, ".pdf"},
		{"application/msword", TypeDocument, MaxDocumentSize, ".doc"},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", TypeDocument, MaxDocumentSize, ".docx"},
		{"application/vnd.ms-excel", TypeDocument, MaxDocumentSize, ".xls"},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", TypeDocument, MaxDocumentSize, ".xlsx"},
		{"application/vnd.ms-powerpoint", TypeDocument, MaxDocumentSize, ".ppt"},
		{"application/vnd.openxmlformats-officedocument.presentationml.presentation", TypeDocument, MaxDocumentSize, ".pptx"},
		{"image/webp", TypeSticker, MaxStickerSize, ".webp"},
	}
}

// LookupMediaType returns the description of mimeType, compared without
// its parameters and case: "audio/ogg; codecs=opus" is audio/ogg. It
// reports false for a type the Cloud API does not accept.
func LookupMediaType(mimeType string) (MediaType, bool) {
	base, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return MediaType{}, false
	}
	for _, t := range MediaTypes() {
		if t.MIMEType == base {
			return t, true
		}
	}
	return MediaType{}, false
}

// UploadOptions describe a file to upload.
type UploadOptions struct {
	// MIMEType is the file's type, e.g. "image/jpeg" (required). It must be
	// one of MediaTypes and selects the size cap.
	MIMEType string
	// Filename names the file part of the upload. Default: "file" plus the
	// type's extension.
	Filename string
	// Size is the exact size of the file in bytes, when known; 0 means
	// unknown. A known size is checked against the cap before any byte is
	// sent and becomes the request's Content-Length; the reader must then
	// yield exactly Size bytes. When the reader is an io.Seeker (an
	// *os.File, a *bytes.Reader), the size is found by seeking.
	Size int64
}

// mediaUploadResponse is the answer to an upload.
type mediaUploadResponse struct {
	ID string `json:"id"`
}

// UploadMedia uploads the file read from r and returns its media ID, for
// use in a message (Image{ID: id}) within 30 days.
//
// The file is streamed as multipart/form-data, never held in memory. Its
// type and, when known, its size are checked before anything is sent: a
// *ValidationError matching ErrUnsupportedMediaType or ErrMediaTooLarge
// says what is wrong. When the size is not known, the bytes are counted
// while streaming and the upload is aborted with the same error as soon as
// the cap is passed. UploadMedia does not read r after it returns (a Read
// already in progress when the context is cancelled completes).
//
// A reader that is an io.Seeker is rewound when the call is retried (after
// HTTP 429, say); any other reader is sent once, and the call is not
// retried. Other failures are an *APIError (131053 for a file the platform
// cannot process) or a transport error.
//
// Cloud API: POST /{phone-number-id}/media.
func (c *Client) UploadMedia(ctx context.Context, phoneNumberID string, r io.Reader, opts UploadOptions) (string, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return "", err
	}
	s, contentType, err := newUploadStream(r, opts)
	if err != nil {
		return "", err
	}
	defer s.finish()
	var out mediaUploadResponse
	err = c.do(ctx, &request{method: http.MethodPost, path: seg + "/media", raw: s.open,
		contentType: contentType, noRetry: s.seeker == nil}, &out)
	if serr := s.failure(); serr != nil {
		return "", serr
	}
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("whatsapp: POST /%s/%s/media: the API answered no media id", c.version, seg)
	}
	return out.ID, nil
}

// uploadStream is the body of one upload: a fixed multipart head, the
// caller's file, and a fixed tail. It holds no buffer of the file: the
// transport reads the file through it in its own chunks.
//
// go-retryablehttp calls the body func once when the request is built (to
// learn the length, closing what it got if it is an io.Closer) and again
// before every attempt. So open hands out a fresh reader each time, and a
// reader claims the file only on its first Read: the length probe never
// reads. A second claim rewinds a seekable file and fails otherwise (the
// call is then not retried at all, see request.noRetry).
type uploadStream struct {
	head, tail []byte
	src        io.Reader
	seeker     io.Seeker // nil when src cannot be rewound
	start      int64     // src offset of the first byte
	size       int64     // declared size; -1 when unknown
	max        int64     // the kind's cap

	mu      sync.Mutex // serialises readers of successive attempts
	gen     int        // generation of the reader that owns src
	claimed bool
	closed  atomic.Bool

	errMu sync.Mutex
	err   error // first local failure while streaming
}

func newUploadStream(r io.Reader, opts UploadOptions) (*uploadStream, string, error) {
	if r == nil {
		return nil, "", invalid("file", "is required", nil)
	}
	if opts.MIMEType == "" {
		return nil, "", &ValidationError{Field: "type", Reason: "is required (the file's MIME type)", Err: ErrUnsupportedMediaType}
	}
	base, params, err := mime.ParseMediaType(opts.MIMEType)
	if err != nil {
		return nil, "", &ValidationError{Field: "type", Reason: "is not a valid MIME type", Value: opts.MIMEType, Err: ErrUnsupportedMediaType}
	}
	mt, ok := LookupMediaType(base)
	if !ok {
		return nil, "", &ValidationError{Field: "type", Reason: "is not a media type the Cloud API accepts (see MediaTypes)",
			Value: opts.MIMEType, Err: ErrUnsupportedMediaType}
	}
	mimeType := mime.FormatMediaType(base, params)
	name := opts.Filename
	if name == "" {
		name = "file" + mt.Extension
	}
	if err := checkFilename(name); err != nil {
		return nil, "", err
	}
	s := &uploadStream{src: r, size: -1, max: mt.MaxSize}
	if opts.Size < 0 {
		return nil, "", invalid("file.size", "must not be negative", opts.Size)
	}
	if opts.Size > 0 {
		s.size = opts.Size
	}
	if sk, ok := r.(io.Seeker); ok {
		if start, err := sk.Seek(0, io.SeekCurrent); err == nil {
			s.seeker, s.start = sk, start
			if s.size < 0 {
				end, err := sk.Seek(0, io.SeekEnd)
				if _, err2 := sk.Seek(start, io.SeekStart); err != nil || err2 != nil {
					return nil, "", fmt.Errorf("whatsapp: upload: measuring the file: %w", errors.Join(err, err2))
				}
				s.size = end - start
			}
		}
	}
	if s.size == 0 {
		return nil, "", invalid("file", "is empty", nil)
	}
	if s.size > s.max {
		return nil, "", s.tooLarge(s.size)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", mimeType)
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(name)+`"`)
	h.Set("Content-Type", mimeType)
	if _, err := mw.CreatePart(h); err != nil {
		return nil, "", fmt.Errorf("whatsapp: upload: %w", err)
	}
	headLen := buf.Len()
	_ = mw.Close() // writes the closing boundary
	all := buf.Bytes()
	s.head, s.tail = all[:headLen:headLen], all[headLen:]
	return s, mw.FormDataContentType(), nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// checkFilename refuses names that would break the part's header.
func checkFilename(name string) error {
	if len(name) > 255 {
		return invalid("file.filename", "must be at most 255 bytes", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return invalid("file.filename", "must not contain control characters", name)
		}
	}
	return nil
}

func (s *uploadStream) tooLarge(n int64) error {
	return &ValidationError{Field: "file", Reason: "is larger than the " + strconv.FormatInt(s.max, 10) +
		" bytes accepted for this type", Value: n, Err: ErrMediaTooLarge}
}

// open is the request's body func; see uploadStream.
func (s *uploadStream) open() (io.Reader, error) {
	r := &uploadReader{s: s}
	if s.size >= 0 {
		return sizedUploadReader{r}, nil
	}
	return r, nil
}

// finish stops every reader: the caller's file is not read after the call
// returns (a Read already in progress completes).
func (s *uploadStream) finish() { s.closed.Store(true) }

func (s *uploadStream) fail(err error) error {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
	return err
}

func (s *uploadStream) failure() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

var (
	errUploadReplay = errors.New("whatsapp: upload: the file cannot be sent twice (the reader is not an io.Seeker)")
	errUploadStale  = errors.New("whatsapp: upload: body of an abandoned attempt")
	errUploadClosed = errors.New("whatsapp: upload: call already returned")
)

// uploadReader is one attempt's view of the stream.
type uploadReader struct {
	s     *uploadStream
	gen   int
	phase int // 0 head, 1 file, 2 tail, 3 done
	off   int
	n     int64 // file bytes read
}

// sizedUploadReader adds Len, from which go-retryablehttp sets the
// request's Content-Length.
type sizedUploadReader struct{ *uploadReader }

// Len returns the length of the whole body.
func (r sizedUploadReader) Len() int {
	return len(r.s.head) + int(r.s.size) + len(r.s.tail)
}

func (r *uploadReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return 0, errUploadClosed
	}
	switch {
	case r.gen == 0:
		if s.claimed {
			if s.seeker == nil {
				return 0, errUploadReplay
			}
			if _, err := s.seeker.Seek(s.start, io.SeekStart); err != nil {
				return 0, s.fail(fmt.Errorf("whatsapp: upload: rewinding the file: %w", err))
			}
		}
		s.claimed = true
		s.gen++
		r.gen = s.gen
	case r.gen != s.gen:
		return 0, errUploadStale
	}
	for len(p) > 0 {
		switch r.phase {
		case 0, 2:
			b := s.head
			if r.phase == 2 {
				b = s.tail
			}
			n := copy(p, b[r.off:])
			r.off += n
			if r.off == len(b) {
				r.phase++
				r.off = 0
			}
			return n, nil
		case 1:
			n, err := r.readFile(p)
			if n > 0 || err != nil {
				return n, err
			}
		default:
			return 0, io.EOF
		}
	}
	return 0, nil
}

// readFile reads the next file bytes, counting them against the declared
// size and the cap. At the end of the file it moves on to the tail and
// returns (0, nil).
func (r *uploadReader) readFile(p []byte) (int, error) {
	s := r.s
	limit := s.max
	if s.size >= 0 {
		limit = s.size
	}
	// Read at most one byte past the limit, to notice a longer file.
	if room := limit - r.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := s.src.Read(p)
	r.n += int64(n)
	if r.n > limit {
		if s.size >= 0 && s.size < s.max {
			return 0, s.fail(invalid("file", "has more bytes than the declared size "+strconv.FormatInt(s.size, 10), nil))
		}
		return 0, s.fail(s.tooLarge(r.n))
	}
	switch {
	case err == io.EOF:
		switch {
		case r.n == 0:
			return 0, s.fail(invalid("file", "is empty", nil))
		case s.size >= 0 && r.n != s.size:
			return 0, s.fail(invalid("file", "has "+strconv.FormatInt(r.n, 10)+" bytes, fewer than the declared size "+
				strconv.FormatInt(s.size, 10), nil))
		}
		r.phase = 2
		return n, nil
	case err != nil:
		return n, s.fail(fmt.Errorf("whatsapp: upload: reading the file: %w", err))
	}
	return n, nil
}

// MediaOptions are the optional parameters of GetMediaURL and DeleteMedia.
type MediaOptions struct {
	// PhoneNumberID, when set, makes the call succeed only for media that
	// belongs to this business phone number (phone_number_id).
	PhoneNumberID string
}

func (o *MediaOptions) query() (url.Values, error) {
	if o == nil || o.PhoneNumberID == "" {
		return nil, nil
	}
	if err := checkID("phone_number_id", o.PhoneNumberID, 256); err != nil {
		return nil, err
	}
	return url.Values{"phone_number_id": {o.PhoneNumberID}}, nil
}

// Media describes a media file held by the platform.
type Media struct {
	// ID is the media ID.
	ID string `json:"id"`
	// URL is where the file can be downloaded with the access token, for 5
	// minutes. Treat it as a secret.
	URL string `json:"url"`
	// MIMEType is the file's type, e.g. "image/jpeg".
	MIMEType string `json:"mime_type"`
	// SHA256 is the hash of the file, as the platform gives it.
	SHA256 string `json:"sha256"`
	// FileSize is the size in bytes.
	FileSize int64 `json:"file_size"`
	// MessagingProduct is "whatsapp".
	MessagingProduct string `json:"messaging_product"`
}

// UnmarshalJSON decodes a media object; file_size may be a number or a
// numeric string.
func (m *Media) UnmarshalJSON(b []byte) error {
	type plain Media
	var w struct {
		plain
		FileSize json.RawMessage `json:"file_size"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Media(w.plain)
	m.FileSize = int64(atoiLoose(string(w.FileSize)))
	return nil
}

// GetMediaURL returns the download URL and details of a media file: one
// uploaded by the business, or one a user sent (valid 7 days). The URL
// expires after 5 minutes; DownloadMedia fetches a fresh one itself.
// Errors: a *ValidationError for a bad id, an *APIError from the platform.
//
// Cloud API: GET /{media-id}.
func (c *Client) GetMediaURL(ctx context.Context, mediaID string, opts *MediaOptions) (*Media, error) {
	seg, err := pathSegment("media_id", mediaID)
	if err != nil {
		return nil, err
	}
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	var out Media
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg, query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMedia deletes an uploaded media file. Errors: a *ValidationError
// for a bad id, an *APIError from the platform.
//
// Cloud API: DELETE /{media-id}.
func (c *Client) DeleteMedia(ctx context.Context, mediaID string, opts *MediaOptions) error {
	seg, err := pathSegment("media_id", mediaID)
	if err != nil {
		return err
	}
	q, err := opts.query()
	if err != nil {
		return err
	}
	return c.doSuccess(ctx, &request{method: http.MethodDelete, path: seg, query: q})
}

// DownloadOptions are the optional parameters of a download.
type DownloadOptions struct {
	// SHA256 is the expected hash of the file, as a webhook gives it (hex
	// or base64). DownloadMedia defaults to the hash the platform returns
	// with the URL.
	SHA256 string
	// MaxSize caps the download, in bytes. Default MaxMediaSize.
	MaxSize int64
	// AllowedHosts adds hosts (e.g. "cdn.example.com" or "127.0.0.1:8080")
	// that Download may send the access token to, besides the API's own
	// host and Meta's media host lookaside.fbsbx.com.
	AllowedHosts []string
	// MediaID lets Download fetch a fresh URL when the given one has
	// expired. DownloadMedia ignores it.
	MediaID string
	// PhoneNumberID is passed to the media URL lookups; see MediaOptions.
	PhoneNumberID string
}

// DownloadResult describes a completed download.
type DownloadResult struct {
	// Size is the number of bytes written.
	Size int64
	// MIMEType is the file's type: the platform's, else the response's
	// Content-Type.
	MIMEType string
	// SHA256 is the hex SHA-256 of the bytes written, when it was checked
	// (DownloadMedia always checks; Download when given
	// DownloadOptions.SHA256); empty otherwise.
	SHA256 string
}

// MediaChecksumError reports a download whose SHA-256 differs from the
// expected one. It matches ErrMediaChecksum.
type MediaChecksumError struct {
	Want, Got string // hex
}

// Error reports both hashes.
func (e *MediaChecksumError) Error() string {
	return "whatsapp: media checksum mismatch: got sha256 " + e.Got + ", want " + e.Want
}

// Is reports whether target is ErrMediaChecksum.
func (e *MediaChecksumError) Is(target error) bool { return target == ErrMediaChecksum }

// lookasideHost is the host Meta serves media URLs from.
const lookasideHost = "lookaside.fbsbx.com"

// DownloadMedia looks up the URL of media mediaID and streams the file to
// w, with the access token and the client's User-Agent. When the URL has
// expired (the media host answers 401, 403, 404 or 410), it looks it up
// again once. The SHA-256 of the bytes is checked against opts.SHA256, or
// else against the hash the platform returned with the URL.
//
// Errors: a *ValidationError for bad input; an *APIError from the
// platform; a *MediaChecksumError (ErrMediaChecksum) or an error matching
// ErrMediaTooLarge once bytes were written, in which case w holds a
// partial or corrupt file that must be discarded.
//
// Cloud API: GET /{media-id}, then GET {url}.
func (c *Client) DownloadMedia(ctx context.Context, mediaID string, w io.Writer, opts *DownloadOptions) (*DownloadResult, error) {
	var o DownloadOptions
	if opts != nil {
		o = *opts
	}
	o.MediaID = mediaID
	return c.download(ctx, "", w, &o)
}

// Download streams the file at rawURL, a media URL from a webhook or from
// GetMediaURL, to w with the access token and the client's User-Agent.
//
// The token is sent only to the API's host, to Meta's media host
// (lookaside.fbsbx.com, over HTTPS) and to opts.AllowedHosts: any other
// host is refused with a *ValidationError matching
// ErrMediaHostNotAllowed, before any request. When opts.MediaID is set and
// the URL has expired, a fresh one is looked up once. The SHA-256 is
// checked when opts.SHA256 is set. Errors are as for DownloadMedia; they
// never contain the URL's query.
//
// Cloud API: GET {url}.
func (c *Client) Download(ctx context.Context, rawURL string, w io.Writer, opts *DownloadOptions) (*DownloadResult, error) {
	var o DownloadOptions
	if opts != nil {
		o = *opts
	}
	if err := c.checkMediaURL(rawURL, o.AllowedHosts, true); err != nil {
		return nil, err
	}
	return c.download(ctx, rawURL, w, &o)
}

func (c *Client) download(ctx context.Context, rawURL string, w io.Writer, o *DownloadOptions) (*DownloadResult, error) {
	if w == nil {
		return nil, invalid("w", "is required", nil)
	}
	if o.MaxSize <= 0 {
		o.MaxSize = MaxMediaSize
	}
	var want []byte
	if o.SHA256 != "" {
		var ok bool
		if want, ok = decodeSHA256(o.SHA256); !ok {
			return nil, invalid("sha256", "must be a SHA-256 in hex or base64", o.SHA256)
		}
	}
	var mimeType string
	lookup := func() error {
		if o.MediaID == "" {
			return nil
		}
		m, err := c.GetMediaURL(ctx, o.MediaID, &MediaOptions{PhoneNumberID: o.PhoneNumberID})
		if err != nil {
			return err
		}
		// The URL comes from the platform: trust its host, but never
		// send the token in clear text to another host.
		if err := c.checkMediaURL(m.URL, nil, false); err != nil {
			return err
		}
		if m.FileSize > o.MaxSize {
			return &ValidationError{Field: "file_size", Reason: "is over the download's MaxSize " +
				strconv.FormatInt(o.MaxSize, 10), Value: m.FileSize, Err: ErrMediaTooLarge}
		}
		rawURL, mimeType = m.URL, m.MIMEType
		if o.SHA256 == "" {
			want, _ = decodeSHA256(m.SHA256) // unknown formats are not checked
		}
		return nil
	}
	if rawURL == "" {
		if err := lookup(); err != nil {
			return nil, err
		}
	}
	resp, _, err := c.send(ctx, &request{method: http.MethodGet, absoluteURL: rawURL, accept: "*/*"})
	if err != nil && o.MediaID != "" && expiredMedia(err) {
		if lerr := lookup(); lerr != nil {
			return nil, lerr
		}
		resp, _, err = c.send(ctx, &request{method: http.MethodGet, absoluteURL: rawURL, accept: "*/*"})
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	where := redactedURLPath(rawURL)
	if resp.ContentLength > o.MaxSize {
		return nil, &ValidationError{Field: "file", Reason: "is over the download's MaxSize " +
			strconv.FormatInt(o.MaxSize, 10), Value: resp.ContentLength, Err: ErrMediaTooLarge}
	}
	if mimeType == "" {
		mimeType = resp.Header.Get("Content-Type")
	}
	var h hash.Hash
	if want != nil {
		h = sha256.New()
	}
	n, err := copyMedia(w, h, resp.Body, o.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: GET %s: %w", where, err)
	}
	res := &DownloadResult{Size: n, MIMEType: mimeType}
	if h != nil {
		sum := h.Sum(nil)
		res.SHA256 = hex.EncodeToString(sum)
		if !bytes.Equal(want, sum) {
			return res, &MediaChecksumError{Want: hex.EncodeToString(want), Got: res.SHA256}
		}
	}
	return res, nil
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyMedia copies at most limit bytes from r to w and h (when not nil),
// and fails with ErrMediaTooLarge if r has more.
func copyMedia(w io.Writer, h hash.Hash, r io.Reader, limit int64) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		if n == limit {
			// One more byte means the file is over the cap.
			var one [1]byte
			k, err := io.ReadFull(r, one[:])
			if k > 0 {
				return n, &ValidationError{Field: "file", Reason: "is over the download's MaxSize " +
					strconv.FormatInt(limit, 10), Err: ErrMediaTooLarge}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return n, nil
			}
			return n, err
		}
		p := buf
		if room := limit - n; int64(len(p)) > room {
			p = p[:room]
		}
		k, rerr := r.Read(p)
		if k > 0 {
			if h != nil {
				h.Write(p[:k])
			}
			wk, werr := w.Write(p[:k])
			n += int64(wk)
			if werr != nil {
				return n, werr
			}
			if wk != k {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// expiredMedia reports whether a download failed in the way an expired
// media URL fails.
func expiredMedia(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.HTTPStatus {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// checkMediaURL decides whether the access token may be sent to rawURL.
// The API's own host is always allowed (with its scheme); other hosts need
// HTTPS, and, when restrict is set, must be Meta's media host or one of
// extra.
func (c *Client) checkMediaURL(rawURL string, extra []string, restrict bool) error {
	if c.configErr != nil {
		return c.configErr
	}
	if rawURL == "" {
		return invalid("url", "is required", nil)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &ValidationError{Field: "url", Reason: "must be an absolute http(s) URL", Err: ErrMediaHostNotAllowed}
	}
	if u.User != nil {
		return &ValidationError{Field: "url", Reason: "must not carry credentials", Err: ErrMediaHostNotAllowed}
	}
	base, _ := url.Parse(c.prefix)
	host := strings.ToLower(u.Host)
	if base != nil && host == strings.ToLower(base.Host) && u.Scheme == base.Scheme {
		return nil
	}
	if u.Scheme != "https" {
		return &ValidationError{Field: "url", Reason: "must use https", Value: u.Scheme + "://" + u.Host, Err: ErrMediaHostNotAllowed}
	}
	if !restrict {
		return nil
	}
	name := strings.ToLower(u.Hostname())
	if name == lookasideHost && (u.Port() == "" || u.Port() == "443") {
		return nil
	}
	for _, a := range extra {
		a = strings.ToLower(a)
		if a == host || a == name && u.Port() == "" {
			return nil
		}
	}
	return &ValidationError{Field: "url", Reason: "host is not an allowed media host (see DownloadOptions.AllowedHosts)",
		Value: u.Host, Err: ErrMediaHostNotAllowed}
}

// decodeSHA256 reads a SHA-256 given in hex or in (standard or URL-safe,
// padded or not) base64.
func decodeSHA256(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}
