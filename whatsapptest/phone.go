package whatsapptest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// phoneNumber is a business number the server serves, with its state.
type phoneNumber struct {
	whatsapp.PhoneNumber
	registered bool
	pin        string
	code       string      // the last verification code requested
	registers  []time.Time // register and deregister calls
	profile    whatsapp.BusinessProfile
	blocked    []string // wa ids, in order of blocking
	qrcodes    []*whatsapp.QRCode
}

func (s *Server) addNumberLocked(n whatsapp.PhoneNumber) {
	if _, ok := s.numbers[n.ID]; ok || n.ID == "" {
		return
	}
	if n.DisplayPhoneNumber == "" {
		n.DisplayPhoneNumber = n.ID
	}
	n.DisplayPhoneNumber = waID(n.DisplayPhoneNumber)
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def((*string)(&n.Status), string(whatsapp.PhoneConnected))
	def((*string)(&n.QualityRating), string(whatsapp.QualityGreen))
	def((*string)(&n.CodeVerificationStatus), "VERIFIED")
	def((*string)(&n.NameStatus), "APPROVED")
	def((*string)(&n.PlatformType), "CLOUD_API")
	def((*string)(&n.AccountMode), "LIVE")
	def((*string)(&n.MessagingLimit), string(whatsapp.Tier250))
	def((*string)(&n.Throughput.Level), string(whatsapp.ThroughputStandard))
	def(&n.VerifiedName, "Whatsapptest")
	s.numbers[n.ID] = &phoneNumber{PhoneNumber: n, registered: true,
		profile: whatsapp.BusinessProfile{MessagingProduct: "whatsapp", About: "Hello from a fake Cloud API", Vertical: "OTHER"}}
	s.order = append(s.order, n.ID)
}

// numberMetaLocked maps phone number ids to display numbers, for webhook
// metadata.
func (s *Server) numberMetaLocked() map[string]string {
	m := make(map[string]string, len(s.numbers))
	for id, n := range s.numbers {
		m[id] = n.DisplayPhoneNumber
	}
	return m
}

func (s *Server) displayNumber(pnid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[pnid]; n != nil {
		return n.DisplayPhoneNumber
	}
	return ""
}

// PhoneNumbers returns the business numbers the server serves, as the
// phone number endpoints report them.
func (s *Server) PhoneNumbers() []whatsapp.PhoneNumber {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]whatsapp.PhoneNumber, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.numbers[id].PhoneNumber)
	}
	return out
}

// VerificationCode returns the last code sent to a business number by
// request_code, which verify_code accepts; "" when none was requested.
func (s *Server) VerificationCode(phoneNumberID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[phoneNumberID]; n != nil {
		return n.code
	}
	return ""
}

// BlockedUsers returns the WhatsApp ids a business number blocked.
func (s *Server) BlockedUsers(phoneNumberID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.numbers[phoneNumberID]; n != nil {
		return slices.Clone(n.blocked)
	}
	return nil
}

// routePhone serves the phone number, profile, block list and QR code
// endpoints. It reports whether it served the request.
func (s *Server) routePhone(c *call) bool {
	segs, m := c.segs, c.r.Method
	s.mu.Lock()
	n := s.numbers[segs[0]]
	s.mu.Unlock()
	if segs[0] == s.WABAID && len(segs) == 2 {
		switch {
		case segs[1] == "phone_numbers" && m == http.MethodGet:
			s.listNumbers(c)
			return true
		case segs[1] == "subscribed_apps":
			return s.subscriptions(c)
		}
		return false
	}
	if n == nil {
		return false
	}
	if len(segs) == 1 {
		switch m {
		case http.MethodGet:
			s.mu.Lock()
			b, _ := json.Marshal(n.PhoneNumber)
			s.mu.Unlock()
			c.write(http.StatusOK, selectFields(b, c.r.URL.Query().Get("fields")))
			return true
		case http.MethodPost:
			s.setPIN(c, n)
			return true
		}
		return false
	}
	switch segs[1] {
	case "register", "deregister", "request_code", "verify_code":
		if m == http.MethodPost && len(segs) == 2 {
			s.registration(c, n, segs[1])
			return true
		}
	case "whatsapp_business_profile":
		if len(segs) == 2 {
			return s.profile(c, n)
		}
	case "block_users":
		if len(segs) == 2 {
			return s.blockUsers(c, n)
		}
	case "message_qrdls":
		return s.qrcodes(c, n)
	}
	return false
}

func (s *Server) listNumbers(c *call) {
	s.mu.Lock()
	var all []json.RawMessage
	for _, id := range s.order {
		b, _ := json.Marshal(s.numbers[id].PhoneNumber)
		all = append(all, selectFields(b, c.r.URL.Query().Get("fields")))
	}
	s.mu.Unlock()
	from, to, paging, e := c.page(len(all), 25)
	if e != nil {
		c.fail(e)
		return
	}
	c.json(http.StatusOK, map[string]any{"data": all[from:to], "paging": paging})
}

func sixDigits(s string) bool { return len(s) == 6 && digits(s) }

// setPIN serves POST /{phone-number-id} {"pin": "123456"}.
func (s *Server) setPIN(c *call, n *phoneNumber) {
	var body struct {
		PIN *string `json:"pin"`
	}
	if !c.decodeJSON(&body) {
		return
	}
	if body.PIN == nil {
		c.fail(&apiError{code: 100, details: "The parameter pin is required."})
		return
	}
	if !sixDigits(*body.PIN) {
		c.fail(&apiError{code: 100, details: "Param pin must be 6 digits."})
		return
	}
	s.mu.Lock()
	n.pin, n.IsPinEnabled = *body.PIN, true
	s.mu.Unlock()
	c.success()
}

// registration serves register, deregister, request_code and verify_code.
func (s *Server) registration(c *call, n *phoneNumber, op string) {
	var body struct {
		MessagingProduct string `json:"messaging_product"`
		PIN              string `json:"pin"`
		CodeMethod       string `json:"code_method"`
		Language         string `json:"language"`
		Code             string `json:"code"`
	}
	if !c.decodeJSON(&body) {
		return
	}
	q := c.r.URL.Query()
	if body.CodeMethod == "" {
		body.CodeMethod = q.Get("code_method")
	}
	if body.Language == "" {
		body.Language = q.Get("language")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "register", "deregister":
		if op == "register" {
			switch {
			case body.MessagingProduct != "whatsapp":
				c.fail(&apiError{code: 100, details: "The parameter messaging_product is required."})
				return
			case !sixDigits(body.PIN):
				c.fail(&apiError{code: 100, details: "Param pin must be 6 digits."})
				return
			case n.pin != "" && body.PIN != n.pin:
				c.fail(&apiError{code: 133005, details: "Two-step verification PIN incorrect."})
				return
			}
		}
		recent := n.registers[:0]
		for _, at := range n.registers {
			if c.at.Sub(at) < 72*time.Hour {
				recent = append(recent, at)
			}
		}
		n.registers = recent
		if len(n.registers) >= 10 {
			c.fail(&apiError{code: 133016, details: "Register or deregister was called more than 10 times in 72 hours."})
			return
		}
		n.registers = append(n.registers, c.at)
		if op == "register" {
			if n.pin == "" {
				n.pin, n.IsPinEnabled = body.PIN, true
			}
			n.registered, n.Status = true, whatsapp.PhoneConnected
		} else {
			n.registered, n.Status = false, whatsapp.PhoneDisconnected
		}
	case "request_code":
		if body.CodeMethod != "SMS" && body.CodeMethod != "VOICE" {
			c.fail(&apiError{code: 100, details: "Param code_method must be one of {SMS, VOICE}."})
			return
		}
		if body.Language == "" {
			c.fail(&apiError{code: 100, details: "The parameter language is required."})
			return
		}
		n.code = strconv.FormatUint(100000+s.nextIDLocked()%900000, 10)
		n.CodeVerificationStatus = "NOT_VERIFIED"
	case "verify_code":
		if n.code == "" || body.Code != n.code {
			c.fail(&apiError{code: 136025, title: "Verify code error", details: "The verification code is incorrect or was not requested."})
			return
		}
		n.code, n.CodeVerificationStatus = "", "VERIFIED"
	}
	c.success()
}

// profile serves GET and POST /{phone-number-id}/whatsapp_business_profile.
func (s *Server) profile(c *call, n *phoneNumber) bool {
	switch c.r.Method {
	case http.MethodGet:
		s.mu.Lock()
		b, _ := json.Marshal(n.profile)
		s.mu.Unlock()
		c.write(http.StatusOK, append(append([]byte(`{"data":[`), selectFields(b, c.r.URL.Query().Get("fields"))...), "]}"...))
		return true
	case http.MethodPost:
		var u struct {
			MessagingProduct string `json:"messaging_product"`
			whatsapp.BusinessProfileUpdate
		}
		if !c.decodeJSON(&u) {
			return true
		}
		if u.MessagingProduct != "whatsapp" {
			c.fail(&apiError{code: 100, details: "The parameter messaging_product is required."})
			return true
		}
		if err := u.BusinessProfileUpdate.Validate(); err != nil {
			c.fail(errorFromValidation(err))
			return true
		}
		s.mu.Lock()
		p := &n.profile
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&p.About, u.About)
		set(&p.Address, u.Address)
		set(&p.Description, u.Description)
		set(&p.Email, u.Email)
		set((*string)(&p.Vertical), string(u.Vertical))
		if u.Websites != nil {
			p.Websites = slices.Clone(u.Websites)
		}
		if u.ProfilePictureHandle != "" {
			p.ProfilePictureURL = s.URL + "/whatsapptest/profile/" + n.ID + ".jpg"
		}
		s.mu.Unlock()
		c.success()
		return true
	}
	return false
}

// blockUsers serves the block list: POST blocks, DELETE unblocks, GET
// lists. Only users who wrote in the last 24 hours can be blocked; the
// others come back in failed_users with 139100, in an error response that
// also carries the users that were blocked.
func (s *Server) blockUsers(c *call, n *phoneNumber) bool {
	if c.r.Method == http.MethodGet {
		s.mu.Lock()
		all := make([]whatsapp.BlockedUser, len(n.blocked))
		for i, id := range n.blocked {
			all[i] = whatsapp.BlockedUser{WaID: id}
		}
		s.mu.Unlock()
		from, to, paging, e := c.page(len(all), 100)
		if e != nil {
			c.fail(e)
			return true
		}
		c.json(http.StatusOK, map[string]any{"data": all[from:to], "paging": paging})
		return true
	}
	if c.r.Method != http.MethodPost && c.r.Method != http.MethodDelete {
		return false
	}
	var body struct {
		MessagingProduct string `json:"messaging_product"`
		BlockUsers       []struct {
			User string `json:"user"`
		} `json:"block_users"`
	}
	if !c.decodeJSON(&body) {
		return true
	}
	switch {
	case body.MessagingProduct != "whatsapp":
		c.fail(&apiError{code: 100, details: "The parameter messaging_product is required."})
		return true
	case len(body.BlockUsers) == 0:
		c.fail(&apiError{code: 100, details: "The parameter block_users is required."})
		return true
	case len(body.BlockUsers) > whatsapp.MaxBlockUsersPerRequest:
		c.fail(&apiError{code: 100, details: "Param block_users must have at most 1000 users."})
		return true
	}
	block := c.r.Method == http.MethodPost
	type failed struct {
		Input  string               `json:"input"`
		WaID   string               `json:"wa_id,omitempty"`
		Errors []*whatsapp.APIError `json:"errors"`
	}
	var done []whatsapp.BlockedUser
	var fails []failed
	s.mu.Lock()
	for _, b := range body.BlockUsers {
		id := waID(b.User)
		u := s.users[userKey{n.ID, id}]
		switch {
		case block && (u == nil || !u.window.IsOpen(c.at)):
			fails = append(fails, failed{Input: b.User, WaID: id, Errors: []*whatsapp.APIError{{Code: 139100,
				Message: "Failed to block user", Details: "Only users who messaged the business in the last 24 hours can be blocked."}}})
		case block && len(n.blocked) >= whatsapp.MaxBlockedUsers:
			fails = append(fails, failed{Input: b.User, WaID: id, Errors: []*whatsapp.APIError{{Code: 139101,
				Message: "Block list limit reached"}}})
		case block:
			if !slices.Contains(n.blocked, id) {
				n.blocked = append(n.blocked, id)
			}
			done = append(done, whatsapp.BlockedUser{Input: b.User, WaID: id})
		default:
			n.blocked = slices.DeleteFunc(n.blocked, func(x string) bool { return x == id })
			done = append(done, whatsapp.BlockedUser{Input: b.User, WaID: id})
		}
	}
	s.mu.Unlock()
	lists := map[string]any{}
	if block {
		lists["added_users"] = done
	} else {
		lists["removed_users"] = done
	}
	if len(fails) > 0 {
		lists["failed_users"] = fails
		e := &apiError{code: 139100, title: "Failed to block/unblock users", details: strconv.Itoa(len(fails)) + " of " + strconv.Itoa(len(body.BlockUsers)) + " users could not be blocked."}
		b := appendError(nil, e, c.trace)
		extra, _ := json.Marshal(lists)
		// {"error":{...},"block_users":{...}}
		b = append(b[:len(b)-1], `,"block_users":`...)
		b = append(b, extra...)
		b = append(b, '}')
		c.code = e.code
		c.write(statusFor(e.code), b)
		return true
	}
	c.json(http.StatusOK, map[string]any{"messaging_product": "whatsapp", "block_users": lists})
	return true
}

// qrcodes serves /{phone-number-id}/message_qrdls[/{code}].
func (s *Server) qrcodes(c *call, n *phoneNumber) bool {
	segs, m := c.segs, c.r.Method
	find := func(code string) int {
		return slices.IndexFunc(n.qrcodes, func(q *whatsapp.QRCode) bool { return q.Code == code })
	}
	withImage := func(q whatsapp.QRCode, format string) whatsapp.QRCode {
		if format != "" {
			q.QRImageURL = s.URL + "/whatsapptest/qr/" + q.Code + "." + strings.ToLower(format)
		}
		return q
	}
	switch {
	case len(segs) == 2 && m == http.MethodGet:
		s.mu.Lock()
		all := make([]whatsapp.QRCode, len(n.qrcodes))
		for i, q := range n.qrcodes {
			all[i] = withImage(*q, c.r.URL.Query().Get("generate_qr_image"))
		}
		s.mu.Unlock()
		from, to, paging, e := c.page(len(all), 25)
		if e != nil {
			c.fail(e)
			return true
		}
		c.json(http.StatusOK, map[string]any{"data": all[from:to], "paging": paging})
		return true
	case len(segs) == 2 && m == http.MethodPost:
		var body struct {
			Code             string `json:"code"`
			PrefilledMessage string `json:"prefilled_message"`
			GenerateQRImage  string `json:"generate_qr_image"`
		}
		if !c.decodeJSON(&body) {
			return true
		}
		if body.PrefilledMessage == "" {
			c.fail(&apiError{code: 100, details: "The parameter prefilled_message is required."})
			return true
		}
		if len([]rune(body.PrefilledMessage)) > 140 {
			c.fail(&apiError{code: 100, details: "Param prefilled_message must be at most 140 characters."})
			return true
		}
		if f := body.GenerateQRImage; f != "" && f != "SVG" && f != "PNG" {
			c.fail(&apiError{code: 100, details: "Param generate_qr_image must be one of {SVG, PNG}."})
			return true
		}
		s.mu.Lock()
		var q *whatsapp.QRCode
		if body.Code != "" {
			i := find(body.Code)
			if i < 0 {
				s.mu.Unlock()
				c.fail(&apiError{code: 100, details: "No QR code " + strconv.Quote(body.Code) + "."})
				return true
			}
			q = n.qrcodes[i]
			q.PrefilledMessage = body.PrefilledMessage
		} else {
			code := qrCode(s.nextIDLocked())
			q = &whatsapp.QRCode{Code: code, PrefilledMessage: body.PrefilledMessage, DeepLinkURL: "https://wa.me/message/" + code}
			n.qrcodes = append(n.qrcodes, q)
		}
		out := withImage(*q, body.GenerateQRImage)
		s.mu.Unlock()
		c.json(http.StatusOK, out)
		return true
	case len(segs) == 3 && (m == http.MethodGet || m == http.MethodDelete):
		s.mu.Lock()
		i := find(segs[2])
		if i < 0 {
			s.mu.Unlock()
			c.fail(&apiError{code: 100, details: "No QR code " + strconv.Quote(segs[2]) + "."})
			return true
		}
		if m == http.MethodDelete {
			n.qrcodes = slices.Delete(n.qrcodes, i, i+1)
			s.mu.Unlock()
			c.success()
			return true
		}
		out := withImage(*n.qrcodes[i], c.r.URL.Query().Get("generate_qr_image"))
		s.mu.Unlock()
		c.json(http.StatusOK, out)
		return true
	}
	return false
}

// qrCode returns the 14-character code of QR code n.
func qrCode(n uint64) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte("WTQR0000000000")
	for i := len(b) - 1; i >= 4 && n > 0; i-- {
		b[i] = alphabet[n%32]
		n /= 32
	}
	return string(b)
}
