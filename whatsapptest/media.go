package whatsapptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// Media lifetimes on the Cloud API: uploads are kept 30 days, files users
// send 7 days, and a download URL works for 5 minutes.
const (
	uploadedMediaTTL = 30 * 24 * time.Hour
	userMediaTTL     = 7 * 24 * time.Hour
	mediaURLTTL      = 5 * time.Minute
)

// mediaDownloadPrefix is where the server serves media files.
const mediaDownloadPrefix = "/whatsapptest/media/"

// mediaFile is a stored media file.
type mediaFile struct {
	id, pnid, mimeType, sha256 string
	data                       []byte
	expires                    time.Time
}

// MediaFile is a media file the server holds: uploaded by the business or
// sent by a simulated user.
type MediaFile struct {
	ID       string
	MIMEType string
	// SHA256 is the hex SHA-256 of Data.
	SHA256 string
	Data   []byte
}

// Media returns the media file with the given id, if the server holds it.
func (s *Server) Media(id string) (MediaFile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.media[id]
	if f == nil || !s.Clock.Now().Before(f.expires) {
		return MediaFile{}, false
	}
	return MediaFile{ID: f.id, MIMEType: f.mimeType, SHA256: f.sha256, Data: bytes.Clone(f.data)}, true
}

func (s *Server) storeMediaLocked(pnid, mimeType string, data []byte, ttl time.Duration) *mediaFile {
	sum := sha256.Sum256(data)
	f := &mediaFile{id: strconv.FormatUint(4000000000000000+s.nextIDLocked(), 10), pnid: pnid, mimeType: mimeType,
		sha256: hex.EncodeToString(sum[:]), data: data, expires: s.Clock.Now().Add(ttl)}
	s.media[f.id] = f
	return f
}

// mediaURLLocked returns a download URL for f, valid 5 minutes on the
// server's clock.
func (s *Server) mediaURLLocked(f *mediaFile) string {
	exp := strconv.FormatInt(s.Clock.Now().Add(mediaURLTTL).Unix(), 10)
	return s.URL + mediaDownloadPrefix + f.id + "?ext=" + exp + "&hash=" + s.mediaSig(f.id, exp)
}

// mediaSig signs a media URL so that it cannot be forged or extended.
func (s *Server) mediaSig(id, exp string) string {
	return Sign(s.AppSecret, []byte(id+":"+exp))[len("sha256="):][:16]
}

// upload serves POST /{phone-number-id}/media, reading the multipart body
// as a stream: messaging_product=whatsapp and a file part whose type the
// Cloud API accepts, within its kind's size cap (else 131053).
func (s *Server) upload(c *call, pnid string) {
	mr, err := c.r.MultipartReader()
	if err != nil {
		c.fail(&apiError{code: 100, details: "the body must be multipart/form-data: " + err.Error()})
		return
	}
	var product, formType string
	var data []byte
	var fileType string
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.fail(&apiError{code: 100, details: "malformed multipart body: " + err.Error()})
			return
		}
		switch part.FormName() {
		case "messaging_product":
			product = string(readAllLimited(part, 64))
		case "type":
			formType = string(readAllLimited(part, 256))
		case "file":
			found = true
			fileType = part.Header.Get("Content-Type")
			if fileType == "" || fileType == "application/octet-stream" {
				fileType = formType
			}
			mt, ok := whatsapp.LookupMediaType(fileType)
			if !ok {
				c.fail(&apiError{code: 131053, details: "Unsupported file type " + strconv.Quote(fileType) + "."})
				return
			}
			var buf bytes.Buffer
			n, err := io.Copy(&buf, io.LimitReader(part, mt.MaxSize+1))
			if err != nil {
				c.fail(&apiError{code: 131053, details: "reading the file: " + err.Error()})
				return
			}
			if n > mt.MaxSize {
				c.fail(&apiError{code: 131053, details: "The file is larger than the " + strconv.FormatInt(mt.MaxSize>>20, 10) + " MB " + mt.Kind + " limit."})
				return
			}
			data = buf.Bytes()
			fileType = mt.MIMEType
		}
		part.Close()
	}
	switch {
	case product != "whatsapp":
		c.fail(&apiError{code: 100, details: "The parameter messaging_product is required."})
		return
	case !found:
		c.fail(&apiError{code: 100, details: "The parameter file is required."})
		return
	}
	s.mu.Lock()
	f := s.storeMediaLocked(pnid, fileType, data, uploadedMediaTTL)
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]string{"id": f.id})
}

// mediaObject serves GET and DELETE /{media-id}; it reports false when id
// is not a media file.
func (s *Server) mediaObject(c *call, id string) bool {
	s.mu.Lock()
	f := s.media[id]
	if f != nil && !c.at.Before(f.expires) {
		delete(s.media, id)
		f = nil
	}
	if f == nil {
		s.mu.Unlock()
		return false
	}
	if pn := c.r.URL.Query().Get("phone_number_id"); pn != "" && pn != f.pnid {
		s.mu.Unlock()
		c.fail(&apiError{code: 100, details: "The media " + id + " does not belong to phone number " + pn + "."})
		return true
	}
	switch c.r.Method {
	case http.MethodGet:
		out := map[string]any{"messaging_product": "whatsapp", "url": s.mediaURLLocked(f), "mime_type": f.mimeType,
			"sha256": f.sha256, "file_size": strconv.Itoa(len(f.data)), "id": f.id}
		s.mu.Unlock()
		c.json(http.StatusOK, out)
	case http.MethodDelete:
		delete(s.media, id)
		s.mu.Unlock()
		c.success()
	default:
		s.mu.Unlock()
		return false
	}
	return true
}

// serveDownload serves a media URL: the bytes, with the bearer token, while
// the URL has not expired (else 404, which makes clients look the URL up
// again).
func (s *Server) serveDownload(c *call) {
	if !s.authorized(c.r) {
		c.fail(&apiError{code: 190, details: "The access token could not be decrypted or is invalid"})
		return
	}
	id := strings.TrimPrefix(c.r.URL.Path, mediaDownloadPrefix)
	q := c.r.URL.Query()
	exp := q.Get("ext")
	s.mu.Lock()
	f := s.media[id]
	s.mu.Unlock()
	sig := s.mediaSig(id, exp)
	expAt, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case c.r.Method != http.MethodGet:
		c.wrote, c.status = true, http.StatusMethodNotAllowed
		http.Error(c.w, "method not allowed", http.StatusMethodNotAllowed)
		return
	case f == nil, err != nil, subtle.ConstantTimeCompare([]byte(sig), []byte(q.Get("hash"))) != 1,
		!c.at.Before(time.Unix(expAt, 0)), !c.at.Before(f.expires):
		c.wrote, c.status = true, http.StatusNotFound
		http.Error(c.w, "URL signature expired", http.StatusNotFound)
		return
	}
	c.wrote, c.status = true, http.StatusOK
	h := c.w.Header()
	h.Set("Content-Type", f.mimeType)
	h.Set("Content-Length", strconv.Itoa(len(f.data)))
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(f.data)
}

// UserMedia is a file a simulated user sends.
type UserMedia struct {
	// Kind is the message kind: "image", "video", "audio", "document" or
	// "sticker". Empty: the kind of MIMEType.
	Kind string
	// MIMEType is the file's type, e.g. "image/jpeg" (required).
	MIMEType string
	// Data is the file's content.
	Data []byte
	// Caption is the caption of an image, video or document.
	Caption string
	// Filename is a document's file name.
	Filename string
	// Voice marks an audio file as a voice note.
	Voice bool
}

// UserSendsMedia simulates the user sending a file. The server stores it
// for 7 days, as the Cloud API keeps users' files, so the webhook's media
// id can be downloaded with the client (GetMediaURL, DownloadMedia); the
// webhook carries the id, MIME type, SHA-256 and a download URL. It
// returns the message's id, or an error when the MIME type is missing.
func (s *Server) UserSendsMedia(from string, m UserMedia) (string, error) {
	if m.MIMEType == "" {
		return "", errors.New("whatsapptest: UserSendsMedia: MIMEType is required")
	}
	kind := m.Kind
	if kind == "" {
		mt, ok := whatsapp.LookupMediaType(m.MIMEType)
		if !ok {
			return "", errors.New("whatsapptest: UserSendsMedia: set Kind for MIME type " + m.MIMEType)
		}
		kind = mt.Kind
	}
	s.mu.Lock()
	f := s.storeMediaLocked(s.PhoneNumberID, m.MIMEType, bytes.Clone(m.Data), userMediaTTL)
	sum, _ := hex.DecodeString(f.sha256)
	w := &wireMedia{ID: f.id, MIMEType: m.MIMEType, SHA256: base64.StdEncoding.EncodeToString(sum),
		Caption: m.Caption, Filename: m.Filename, Voice: m.Voice, URL: s.mediaURLLocked(f)}
	in := &wireInbound{Type: kind}
	switch kind {
	case "image":
		in.Image = w
	case "video":
		in.Video = w
	case "audio":
		in.Audio = w
	case "document":
		in.Document = w
	case "sticker":
		in.Sticker = w
	default:
		s.mu.Unlock()
		return "", errors.New("whatsapptest: UserSendsMedia: unknown kind " + strconv.Quote(kind))
	}
	id := s.receiveLocked(from, in)
	s.mu.Unlock()
	return id, nil
}

// subscriptions serves /{waba-id}/subscribed_apps. Subscribing with an
// override_callback_uri verifies it as Meta does (a GET with
// hub.mode=subscribe, hub.verify_token and hub.challenge, which must be
// echoed) and then delivers webhooks there; unsubscribing stops webhooks.
func (s *Server) subscriptions(c *call) bool {
	switch c.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		var data []any
		if s.subscribed {
			app := map[string]any{"whatsapp_business_api_data": map[string]string{"id": "900000000000001", "name": "whatsapptest", "link": "https://example.com/whatsapptest"}}
			if s.overrideURL != "" {
				app["override_callback_uri"] = s.overrideURL
			}
			data = append(data, app)
		}
		s.mu.Unlock()
		c.json(http.StatusOK, map[string]any{"data": data})
		return true
	case http.MethodPost:
		var body struct {
			OverrideCallbackURI string `json:"override_callback_uri"`
			VerifyToken         string `json:"verify_token"`
		}
		if !c.decodeJSON(&body) {
			return true
		}
		if body.OverrideCallbackURI != "" {
			if err := s.verifyCallback(c.r.Context(), body.OverrideCallbackURI, body.VerifyToken); err != nil {
				c.fail(&apiError{code: 2200, title: "Callback verification failed", details: err.Error()})
				return true
			}
		}
		s.mu.Lock()
		s.subscribed, s.overrideURL = true, body.OverrideCallbackURI
		if body.OverrideCallbackURI != "" {
			s.hooks.target = webhookTarget{url: body.OverrideCallbackURI}
		}
		s.mu.Unlock()
		c.success()
		return true
	case http.MethodDelete:
		s.mu.Lock()
		s.subscribed, s.overrideURL = false, ""
		s.hooks.target = webhookTarget{}
		s.hooks.events = nil
		s.mu.Unlock()
		c.success()
		return true
	}
	return false
}

// verifyCallback makes the verification GET Meta makes to a callback URL.
func (s *Server) verifyCallback(ctx context.Context, callback, token string) error {
	u, err := url.Parse(callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("the callback URL must be an absolute http(s) URL")
	}
	challenge := strconv.FormatUint(1000000000+s.nextID(), 10)
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", token)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := s.webhookClient().Do(req)
	if err != nil {
		return errors.New("the callback URL could not be reached")
	}
	defer resp.Body.Close()
	body := readAllLimited(resp.Body, 1024)
	if resp.StatusCode != http.StatusOK || string(bytes.TrimSpace(body)) != challenge {
		return errors.New("the callback URL did not answer the challenge (HTTP " + strconv.Itoa(resp.StatusCode) + ")")
	}
	return nil
}
