package whatsapptest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wacloud/whatsapp"
)

// MaxTemplates is how many templates (each language counting) the server
// lets a WhatsApp Business Account hold, the Cloud API's limit for a
// portfolio that is not verified; beyond it creation fails with 2388019.
const MaxTemplates = 250

// template is a template the server holds.
type template struct {
	whatsapp.MessageTemplate
	created  time.Time
	reviewAt time.Time // PENDING until then; zero: until a call decides
	edits    []time.Time
}

// AddTemplate adds a template definition as if it had been created and
// reviewed: its Status is kept, APPROVED when empty. It is checked with the
// library's own content rules (MessageTemplate.Validate) and returns their
// *whatsapp.ValidationError, or an error when a template of that name and
// language exists. It returns the template's id.
//
// A test adds the templates its code sends before sending them; a send of
// a template the server does not hold fails with 132001, as on the Cloud
// API.
func (s *Server) AddTemplate(t whatsapp.MessageTemplate) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	if t.Status == "" {
		t.Status = whatsapp.TemplateStatusApproved
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tp, e := s.createTemplateLocked(t)
	if e != nil {
		return "", errors.New("whatsapptest: AddTemplate: " + e.details)
	}
	tp.reviewAt = time.Time{}
	return tp.ID, nil
}

// createTemplateLocked stores a new template.
func (s *Server) createTemplateLocked(t whatsapp.MessageTemplate) (*template, *apiError) {
	t.Language = whatsapp.NormalizeLanguage(t.Language)
	if s.findTemplateLocked(t.Name, t.Language) != nil {
		return nil, &apiError{code: 100, subcode: 2388024, title: "Invalid parameter",
			details: "Content in this language already exists: a template named " + strconv.Quote(t.Name) + " exists in " + t.Language}
	}
	if len(s.templates) >= MaxTemplates {
		return nil, &apiError{code: 2388019, details: "Message template count limit reached: " + strconv.Itoa(MaxTemplates)}
	}
	t.ID = strconv.FormatUint(3000000000000000+s.nextIDLocked(), 10)
	if t.Category != "" {
		t.Category = whatsapp.TemplateCategory(strings.ToUpper(string(t.Category)))
	}
	tp := &template{MessageTemplate: t, created: s.Clock.Now()}
	s.templates = append(s.templates, tp)
	return tp, nil
}

func (s *Server) findTemplateLocked(name, lang string) *template {
	lang = whatsapp.NormalizeLanguage(lang)
	for _, t := range s.templates {
		if t.Name == name && t.Language == lang {
			return t
		}
	}
	return nil
}

func (s *Server) templateByIDLocked(id string) *template {
	for _, t := range s.templates {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Templates returns the templates the server holds, in order of creation.
func (s *Server) Templates() []whatsapp.MessageTemplate {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviewTemplatesLocked(s.Clock.Now())
	out := make([]whatsapp.MessageTemplate, len(s.templates))
	for i, t := range s.templates {
		out[i] = t.MessageTemplate
	}
	return out
}

// ApproveTemplate ends the review of a pending template: it becomes
// APPROVED and a message_template_status_update webhook says so. It
// returns an error when the server holds no template with that id.
func (s *Server) ApproveTemplate(id string) error {
	return s.SetTemplateStatus(id, whatsapp.TemplateStatusApproved, "")
}

// RejectTemplate ends the review of a template with a rejection for
// reason (e.g. whatsapp.RejectedPromotional) and the matching webhook.
func (s *Server) RejectTemplate(id string, reason whatsapp.RejectedReason) error {
	if reason == "" {
		reason = whatsapp.RejectedInvalidFormat
	}
	return s.SetTemplateStatus(id, whatsapp.TemplateStatusRejected, reason)
}

// SetTemplateStatus changes a template's status as Meta would, and delivers
// the message_template_status_update webhook: PAUSED (sends then fail with
// 132015), DISABLED (132016), APPROVED again, FLAGGED (a warning; the
// status stays), and so on. reason is the rejection reason, for REJECTED.
func (s *Server) SetTemplateStatus(id string, status whatsapp.TemplateStatus, reason whatsapp.RejectedReason) error {
	s.mu.Lock()
	defer s.wake()
	defer s.mu.Unlock()
	t := s.templateByIDLocked(id)
	if t == nil {
		return fmt.Errorf("whatsapptest: no template with id %q", id)
	}
	s.setTemplateStatusLocked(t, status, reason, s.Clock.Now())
	return nil
}

func (s *Server) setTemplateStatusLocked(t *template, status whatsapp.TemplateStatus, reason whatsapp.RejectedReason, now time.Time) {
	t.reviewAt = time.Time{}
	switch status {
	case whatsapp.TemplateStatusFlagged, whatsapp.TemplateStatusLocked, whatsapp.TemplateStatusUnlocked:
		// Events that leave the status as it is.
	case whatsapp.TemplateStatusReinstated:
		t.Status = whatsapp.TemplateStatusApproved
	default:
		t.Status = status
	}
	t.RejectedReason = ""
	if status == whatsapp.TemplateStatusRejected {
		t.RejectedReason = reason
	}
	ev := wireTemplateStatus{Event: string(status), TemplateID: json.Number(t.ID), Name: t.Name,
		Language: t.Language, Reason: "NONE", Category: string(t.Category)}
	if reason != "" {
		ev.Reason = string(reason)
	}
	switch status {
	case whatsapp.TemplateStatusPaused:
		ev.OtherInfo = &wireOtherInfo{Title: "FIRST_PAUSE", Description: "The template was paused because its quality rating is low."}
	case whatsapp.TemplateStatusDisabled:
		ev.DisableInfo = &wireDisableInfo{DisableDate: now.Unix()}
	}
	value, _ := json.Marshal(ev)
	s.enqueueLocked(&event{due: now, field: "message_template_status_update", value: value, time: now})
	s.notifyLocked()
}

type wireTemplateStatus struct {
	Event       string           `json:"event"`
	TemplateID  json.Number      `json:"message_template_id"`
	Name        string           `json:"message_template_name"`
	Language    string           `json:"message_template_language"`
	Reason      string           `json:"reason"`
	Category    string           `json:"message_template_category,omitempty"`
	OtherInfo   *wireOtherInfo   `json:"other_info,omitempty"`
	DisableInfo *wireDisableInfo `json:"disable_info,omitempty"`
}

type wireOtherInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

type wireDisableInfo struct {
	DisableDate int64 `json:"disable_date"`
}

// reviewTemplatesLocked approves the templates whose review delay is over.
func (s *Server) reviewTemplatesLocked(now time.Time) {
	for _, t := range s.templates {
		if t.Status == whatsapp.TemplateStatusPending && !t.reviewAt.IsZero() && !now.Before(t.reviewAt) {
			s.setTemplateStatusLocked(t, whatsapp.TemplateStatusApproved, "", t.reviewAt)
		}
	}
}

// nextReviewLocked returns the earliest pending review time, or zero.
func (s *Server) nextReviewLocked() time.Time {
	var next time.Time
	for _, t := range s.templates {
		if t.Status == whatsapp.TemplateStatusPending && !t.reviewAt.IsZero() && (next.IsZero() || t.reviewAt.Before(next)) {
			next = t.reviewAt
		}
	}
	return next
}

// checkTemplateLocked checks a template send against the server's
// templates, and returns the template's category.
func (s *Server) checkTemplateLocked(pnid string, m *whatsapp.Template) (string, *apiError) {
	s.reviewTemplatesLocked(s.Clock.Now())
	t := s.findTemplateLocked(m.Name, m.Language)
	if t == nil {
		return "", &apiError{code: 132001, details: "template name (" + m.Name + ") does not exist in " + whatsapp.NormalizeLanguage(m.Language)}
	}
	switch t.Status {
	case whatsapp.TemplateStatusApproved:
	case whatsapp.TemplateStatusPaused:
		return "", &apiError{code: 132015, details: "Template " + strconv.Quote(t.Name) + " is paused because of low quality."}
	case whatsapp.TemplateStatusDisabled:
		return "", &apiError{code: 132016, details: "Template " + strconv.Quote(t.Name) + " is disabled because of low quality."}
	default:
		return "", &apiError{code: 132001, details: "template " + strconv.Quote(t.Name) + " in " + t.Language + " is " + string(t.Status) + ", not APPROVED"}
	}
	if err := t.Check(*m); err != nil {
		var ve *whatsapp.ValidationError
		if errors.As(err, &ve) && ve.Rule == "template.params.format" {
			return "", &apiError{code: 132012, details: ve.Field + ": " + ve.Reason}
		}
		if errors.As(err, &ve) {
			return "", &apiError{code: 132000, details: ve.Field + ": " + ve.Reason}
		}
		return "", &apiError{code: 132000, details: err.Error()}
	}
	return string(t.Category), nil
}

// templateButtonText returns the text of button index of the template a
// send refers to, or "".
func (s *Server) templateButtonText(_ string, m whatsapp.Template, index int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTemplateLocked(m.Name, m.Language)
	if t == nil {
		return ""
	}
	for _, c := range t.Components {
		if c.Type == whatsapp.ButtonsComponent && index >= 0 && index < len(c.Buttons) {
			return c.Buttons[index].Text
		}
	}
	return ""
}

// errorFromTemplate maps a template definition's refusal by the library's
// content rules to the Cloud API's code.
func errorFromTemplate(err error) *apiError {
	var ve *whatsapp.ValidationError
	if !errors.As(err, &ve) {
		return &apiError{code: 100, details: err.Error()}
	}
	details := ve.Field + ": " + ve.Reason
	f := strings.ToLower(ve.Field)
	switch {
	case ve.Rule == "template.variable.edge":
		return &apiError{code: 2388299, details: details}
	case strings.Contains(ve.Reason, "at most") && strings.Contains(ve.Reason, "characters"):
		return &apiError{code: 2388040, details: details}
	case strings.HasPrefix(ve.Rule, "template.header"):
		return &apiError{code: 2388047, details: details}
	case strings.HasPrefix(ve.Rule, "template.footer"):
		return &apiError{code: 2388073, details: details}
	case ve.Rule == "template.component.body" || strings.Contains(f, "body"):
		return &apiError{code: 2388072, details: details}
	}
	return &apiError{code: 100, details: details}
}

// templateList is GET /{waba-id}/message_templates's answer.
type templateList struct {
	Data    []json.RawMessage `json:"data"`
	Paging  *wirePaging       `json:"paging,omitempty"`
	Summary *templateSummary  `json:"summary,omitempty"`
}

type templateSummary struct {
	TotalCount           int `json:"total_count"`
	MessageTemplateCount int `json:"message_template_count"`
	MessageTemplateLimit int `json:"message_template_limit"`
}

type wirePaging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// cursor encodes a position in a list; decodeCursor reads it back.
func cursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("whatsapptest:" + strconv.Itoa(i)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "whatsapptest:"))
	return n, err == nil && strings.HasPrefix(string(b), "whatsapptest:") && n >= 0
}

// page cuts items [0,n) to the page the request's limit, after and before
// ask for, and builds its paging object with next and previous URLs.
func (c *call) page(n, defaultLimit int) (from, to int, paging *wirePaging, e *apiError) {
	q := c.r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l <= 0 {
			return 0, 0, nil, &apiError{code: 100, details: "Param limit must be a positive integer"}
		}
		limit = l
	}
	from, to = 0, min(n, limit)
	switch {
	case q.Get("after") != "":
		i, ok := decodeCursor(q.Get("after"))
		if !ok {
			return 0, 0, nil, &apiError{code: 100, details: "Invalid cursor: after"}
		}
		from = min(i+1, n)
		to = min(n, from+limit)
	case q.Get("before") != "":
		i, ok := decodeCursor(q.Get("before"))
		if !ok {
			return 0, 0, nil, &apiError{code: 100, details: "Invalid cursor: before"}
		}
		to = min(i, n)
		from = max(0, to-limit)
	}
	paging = &wirePaging{}
	if from < to {
		paging.Cursors.Before, paging.Cursors.After = cursor(from), cursor(to-1)
	}
	base := c.s.URL + c.r.URL.Path
	if to < n {
		nq := cloneQuery(q)
		nq.Del("before")
		nq.Set("after", cursor(to-1))
		nq.Set("limit", strconv.Itoa(limit))
		paging.Next = base + "?" + nq.Encode()
	}
	if from > 0 {
		pq := cloneQuery(q)
		pq.Del("after")
		pq.Set("before", cursor(from))
		pq.Set("limit", strconv.Itoa(limit))
		paging.Previous = base + "?" + pq.Encode()
	}
	return from, to, paging, nil
}

func cloneQuery(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// fieldsFilter returns the template object restricted to the fields the
// request asks for (all, when none is asked).
func selectFields(obj json.RawMessage, fields string) json.RawMessage {
	if fields == "" {
		return obj
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(obj, &all) != nil {
		return obj
	}
	out := make(map[string]json.RawMessage)
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	if v, ok := all["id"]; ok {
		out["id"] = v
	}
	b, _ := json.Marshal(out)
	return b
}

// listTemplates serves GET /{waba-id}/message_templates.
func (s *Server) listTemplates(c *call) {
	q := c.r.URL.Query()
	s.mu.Lock()
	s.reviewTemplatesLocked(c.at)
	var match []whatsapp.MessageTemplate
	for _, t := range s.templates {
		if v := q.Get("name"); v != "" && !strings.Contains(t.Name, v) {
			continue
		}
		if v := q.Get("status"); v != "" && !strings.EqualFold(string(t.Status), v) {
			continue
		}
		if v := q.Get("category"); v != "" && !strings.EqualFold(string(t.Category), v) {
			continue
		}
		if v := q.Get("language"); v != "" && whatsapp.NormalizeLanguage(v) != t.Language {
			continue
		}
		if v := q.Get("content"); v != "" && !strings.Contains(t.Body(), v) {
			continue
		}
		if v := q.Get("name_or_content"); v != "" && !strings.Contains(t.Name, v) && !strings.Contains(t.Body(), v) {
			continue
		}
		match = append(match, t.MessageTemplate)
	}
	total := len(s.templates)
	s.mu.Unlock()
	from, to, paging, e := c.page(len(match), 25)
	if e != nil {
		c.fail(e)
		return
	}
	out := templateList{Data: make([]json.RawMessage, 0, to-from), Paging: paging}
	for _, t := range match[from:to] {
		b, err := json.Marshal(t)
		if err != nil {
			c.fail(&apiError{code: 1, details: err.Error()})
			return
		}
		out.Data = append(out.Data, selectFields(b, q.Get("fields")))
	}
	if q.Get("summary") != "" {
		out.Summary = &templateSummary{TotalCount: len(match), MessageTemplateCount: total, MessageTemplateLimit: MaxTemplates}
	}
	c.json(http.StatusOK, out)
}

// createTemplate serves POST /{waba-id}/message_templates.
func (s *Server) createTemplate(c *call) {
	var t whatsapp.MessageTemplate
	if !c.decodeJSON(&t) {
		return
	}
	t.ID, t.Status, t.RejectedReason, t.QualityScore = "", "", "", whatsapp.TemplateQuality{}
	if err := t.Validate(); err != nil {
		c.fail(errorFromTemplate(err))
		return
	}
	s.mu.Lock()
	tp, e := s.createTemplateLocked(t)
	if e == nil {
		tp.Status = whatsapp.TemplateStatusPending
		if d := s.cfg.approveAfter; d > 0 {
			tp.reviewAt = c.at.Add(d)
		}
	}
	s.mu.Unlock()
	s.wake()
	if e != nil {
		c.fail(e)
		return
	}
	c.json(http.StatusOK, map[string]string{"id": tp.ID, "status": string(tp.Status), "category": string(tp.Category)})
}

// getTemplate serves GET /{template-id}.
func (s *Server) getTemplate(c *call, t *template) {
	b, err := json.Marshal(t.MessageTemplate)
	if err != nil {
		c.fail(&apiError{code: 1, details: err.Error()})
		return
	}
	c.write(http.StatusOK, selectFields(b, c.r.URL.Query().Get("fields")))
}

// editTemplate serves POST /{template-id}: the components (and category,
// format, TTL) are replaced and the template goes back to review. Only
// APPROVED, REJECTED and PAUSED templates can be edited, an approved one
// at most once in 24 hours and 10 times in 30 days (else 2388039); an
// approved template's category cannot change.
func (s *Server) editTemplate(c *call, id string) {
	var edit whatsapp.MessageTemplate
	if !c.decodeJSON(&edit) {
		return
	}
	s.mu.Lock()
	defer s.wake()
	defer s.mu.Unlock()
	s.reviewTemplatesLocked(c.at)
	t := s.templateByIDLocked(id)
	if t == nil {
		c.unsupported()
		return
	}
	switch t.Status {
	case whatsapp.TemplateStatusApproved, whatsapp.TemplateStatusRejected, whatsapp.TemplateStatusPaused:
	default:
		c.fail(&apiError{code: 2388039, details: "A template that is " + string(t.Status) + " cannot be edited."})
		return
	}
	next := t.MessageTemplate
	if edit.Category != "" {
		cat := whatsapp.TemplateCategory(strings.ToUpper(string(edit.Category)))
		if t.Status == whatsapp.TemplateStatusApproved && cat != t.Category {
			c.fail(&apiError{code: 100, details: "The category of an approved template cannot be changed."})
			return
		}
		next.Category = cat
	}
	if len(edit.Components) > 0 {
		next.Components = edit.Components
	}
	if edit.ParameterFormat != "" {
		next.ParameterFormat = edit.ParameterFormat
	}
	if edit.MessageSendTTLSeconds != 0 {
		next.MessageSendTTLSeconds = edit.MessageSendTTLSeconds
	}
	if err := next.Validate(); err != nil {
		c.fail(errorFromTemplate(err))
		return
	}
	if t.Status == whatsapp.TemplateStatusApproved {
		recent, month := 0, 0
		for _, at := range t.edits {
			if c.at.Sub(at) < 24*time.Hour {
				recent++
			}
			if c.at.Sub(at) < 30*24*time.Hour {
				month++
			}
		}
		if recent >= 1 || month >= 10 {
			c.fail(&apiError{code: 2388039, details: "An approved template can be edited once in 24 hours and 10 times in 30 days."})
			return
		}
		t.edits = append(t.edits, c.at)
	}
	t.MessageTemplate = next
	t.Status, t.RejectedReason = whatsapp.TemplateStatusPending, ""
	t.reviewAt = time.Time{}
	if d := s.cfg.approveAfter; d > 0 {
		t.reviewAt = c.at.Add(d)
	}
	s.notifyLocked()
	c.success()
}

// deleteTemplates serves DELETE /{waba-id}/message_templates by name,
// by hsm_id and name, or by hsm_ids.
func (s *Server) deleteTemplates(c *call) {
	q := c.r.URL.Query()
	name, hsmID, hsmIDs := q.Get("name"), q.Get("hsm_id"), q.Get("hsm_ids")
	var ids []string
	if hsmIDs != "" {
		if err := json.Unmarshal([]byte(hsmIDs), &ids); err != nil || len(ids) == 0 || len(ids) > 100 {
			c.fail(&apiError{code: 100, details: "Param hsm_ids must be a JSON array of 1 to 100 template ids"})
			return
		}
		if name != "" || hsmID != "" {
			c.fail(&apiError{code: 100, details: "hsm_ids cannot be combined with name or hsm_id"})
			return
		}
	} else if name == "" {
		c.fail(&apiError{code: 100, details: "The parameter name is required."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keep []*template
	deleted := 0
	for _, t := range s.templates {
		var del bool
		switch {
		case hsmIDs != "":
			del = slices.Contains(ids, t.ID)
		case hsmID != "":
			del = t.ID == hsmID && t.Name == name
		default:
			del = t.Name == name
		}
		if del && t.Status == whatsapp.TemplateStatusDisabled {
			c.fail(&apiError{code: 100, details: "A disabled template cannot be deleted."})
			return
		}
		if del {
			deleted++
			continue
		}
		keep = append(keep, t)
	}
	if deleted == 0 {
		c.fail(&apiError{code: 100, details: "No template matches the name or ids given."})
		return
	}
	s.templates = keep
	s.notifyLocked()
	c.success()
}
