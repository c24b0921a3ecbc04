package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-querystring/query"
)

// This file holds the template management endpoints: list (one page, or
// every page as an iterator), get, create, edit and delete.

// ListTemplatesOptions filters and pages a template list. The zero value
// lists every template with the API's default fields.
type ListTemplatesOptions struct {
	// Fields selects the fields returned, e.g. {"name", "status",
	// "components"}. Default: the API's (id, name, language, status,
	// category, components, ...).
	Fields []string `url:"fields,comma,omitempty"`
	// Limit is the page size.
	Limit int `url:"limit,omitempty"`
	// After and Before are paging cursors from a previous page.
	After  string `url:"after,omitempty"`
	Before string `url:"before,omitempty"`
	// Name filters by template name.
	Name string `url:"name,omitempty"`
	// Status filters by review status.
	Status TemplateStatus `url:"status,omitempty"`
	// Category filters by category.
	Category TemplateCategory `url:"category,omitempty"`
	// Language filters by language code, e.g. "en_US".
	Language string `url:"language,omitempty"`
	// QualityScore filters by quality rating.
	QualityScore TemplateQualityRating `url:"quality_score,omitempty"`
	// Content filters by text in the template's content.
	Content string `url:"content,omitempty"`
	// NameOrContent filters by text in the name or the content.
	NameOrContent string `url:"name_or_content,omitempty"`
	// Since and Until bound the templates' last update time.
	Since time.Time `url:"since,unix,omitempty"`
	Until time.Time `url:"until,unix,omitempty"`
	// Summary asks for summary fields, e.g. {"total_count",
	// "message_template_count", "message_template_limit"}.
	Summary []string `url:"summary,comma,omitempty"`
}

// TemplatePage is one page of a template list.
type TemplatePage struct {
	// Templates are the page's templates.
	Templates []MessageTemplate `json:"data"`
	// Paging holds the cursors to the next and previous pages.
	Paging Paging `json:"paging"`
	// Summary is set when ListTemplatesOptions.Summary asked for it.
	Summary *TemplateSummary `json:"summary,omitempty"`
}

// TemplateSummary is the summary of a template list.
type TemplateSummary struct {
	// TotalCount is the number of templates matching the filters.
	TotalCount int `json:"total_count"`
	// MessageTemplateCount is the number of templates of the account.
	MessageTemplateCount int `json:"message_template_count"`
	// MessageTemplateLimit is how many templates the account may have.
	MessageTemplateLimit int `json:"message_template_limit"`
	// AreTranslationsComplete reports whether every template has every
	// language of its name.
	AreTranslationsComplete bool `json:"are_translations_complete"`
}

// ListTemplatesPage returns one page of the templates of the WhatsApp
// Business Account wabaID. Pass Paging.Cursors.After of a page as
// opts.After to get the next one, or use ListTemplates to walk them all.
// It returns a *ValidationError for a bad wabaID and an *APIError when the
// API refuses the call.
//
// Cloud API: GET /{waba-id}/message_templates.
func (c *Client) ListTemplatesPage(ctx context.Context, wabaID string, opts *ListTemplatesOptions) (*TemplatePage, error) {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return nil, err
	}
	var q url.Values
	if opts != nil {
		if q, err = query.Values(opts); err != nil {
			return nil, fmt.Errorf("whatsapp: ListTemplatesOptions: %w", err)
		}
	}
	page := new(TemplatePage)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/message_templates", query: q}, page); err != nil {
		return nil, err
	}
	return page, nil
}

// ListTemplates returns an iterator over every template of the WhatsApp
// Business Account wabaID matching opts, fetching pages lazily as the loop
// advances (opts is copied; the caller's value is not changed). On an
// error the iterator yields it once, with a zero template, and stops.
//
//	for t, err := range c.ListTemplates(ctx, wabaID, nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(t.Name, t.Language, t.Status)
//	}
//
// Cloud API: GET /{waba-id}/message_templates.
func (c *Client) ListTemplates(ctx context.Context, wabaID string, opts *ListTemplatesOptions) iter.Seq2[MessageTemplate, error] {
	var o ListTemplatesOptions
	if opts != nil {
		o = *opts
	}
	return walkPages(wabaID+"/message_templates", func(after string) ([]MessageTemplate, Paging, error) {
		o := o // each range over the iterator starts from the first page
		if after != "" {
			o.After, o.Before = after, ""
		}
		page, err := c.ListTemplatesPage(ctx, wabaID, &o)
		if err != nil {
			return nil, Paging{}, err
		}
		return page.Templates, page.Paging, nil
	})
}

// GetTemplate returns the template templateID. fields selects the fields
// returned; none means the API's defaults. It returns a *ValidationError
// for a bad templateID and an *APIError when the API refuses the call.
//
// Cloud API: GET /{template-id}.
func (c *Client) GetTemplate(ctx context.Context, templateID string, fields ...string) (*MessageTemplate, error) {
	seg, err := pathSegment("template_id", templateID)
	if err != nil {
		return nil, err
	}
	t := new(MessageTemplate)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg, query: fieldsQuery(fields)}, t); err != nil {
		return nil, err
	}
	return t, nil
}

// CreatedTemplate is the API's answer to a template creation.
type CreatedTemplate struct {
	// ID is the new template's id.
	ID string `json:"id"`
	// Status is the review status, usually PENDING.
	Status TemplateStatus `json:"status"`
	// Category is the category the template was given.
	Category TemplateCategory `json:"category"`
}

// createTemplateBody is the JSON body of a template creation: the input
// fields of MessageTemplate.
type createTemplateBody struct {
	Name                       string                     `json:"name"`
	Language                   string                     `json:"language"`
	Category                   TemplateCategory           `json:"category"`
	SubCategory                string                     `json:"sub_category,omitempty"`
	ParameterFormat            ParameterFormat            `json:"parameter_format,omitempty"`
	Components                 []MessageTemplateComponent `json:"components,omitempty"`
	AllowCategoryChange        bool                       `json:"allow_category_change,omitempty"`
	MessageSendTTLSeconds      int                        `json:"message_send_ttl_seconds,omitempty"`
	CTAURLLinkTrackingOptedOut bool                       `json:"cta_url_link_tracking_opted_out,omitempty"`
	LibraryTemplateName        string                     `json:"library_template_name,omitempty"`
	extra                      map[string]json.RawMessage
}

func (b createTemplateBody) MarshalJSON() ([]byte, error) {
	type plain createTemplateBody
	out, err := marshalJSON(plain(b))
	if err != nil {
		return nil, err
	}
	return mergeExtra(out, b.extra), nil
}

// editTemplateBody is the JSON body of a template edit.
type editTemplateBody struct {
	Category                   TemplateCategory           `json:"category,omitempty"`
	ParameterFormat            ParameterFormat            `json:"parameter_format,omitempty"`
	Components                 []MessageTemplateComponent `json:"components,omitempty"`
	MessageSendTTLSeconds      int                        `json:"message_send_ttl_seconds,omitempty"`
	CTAURLLinkTrackingOptedOut bool                       `json:"cta_url_link_tracking_opted_out,omitempty"`
	extra                      map[string]json.RawMessage
}

func (b editTemplateBody) MarshalJSON() ([]byte, error) {
	type plain editTemplateBody
	out, err := marshalJSON(plain(b))
	if err != nil {
		return nil, err
	}
	return mergeExtra(out, b.extra), nil
}

// CreateTemplate submits the template t for review in the WhatsApp
// Business Account wabaID. t's language is sent normalised ("en-US" as
// "en_US"); its output fields (ID, Status, QualityScore, ...) are not sent.
//
// It checks t first (MessageTemplate.Validate) and returns a
// *ValidationError, matching ErrTemplateContent, before any HTTP call when
// a content rule is broken. The API's refusals come back as *APIError:
// 2388019 (template limit), 2388040, 2388047, 2388072, 2388073, 2388293 and
// 2388299 (content; these match ErrTemplateContent too).
//
// Cloud API: POST /{waba-id}/message_templates.
func (c *Client) CreateTemplate(ctx context.Context, wabaID string, t MessageTemplate) (*CreatedTemplate, error) {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return nil, err
	}
	if err := t.validate(false); err != nil {
		return nil, err
	}
	body := createTemplateBody{Name: t.Name, Language: NormalizeLanguage(t.Language), Category: t.Category,
		SubCategory: t.SubCategory, ParameterFormat: t.ParameterFormat, Components: t.Components,
		AllowCategoryChange: t.AllowCategoryChange, MessageSendTTLSeconds: t.MessageSendTTLSeconds,
		CTAURLLinkTrackingOptedOut: t.CTAURLLinkTrackingOptedOut, LibraryTemplateName: t.LibraryTemplateName,
		extra: t.Extra}
	out := new(CreatedTemplate)
	if err := c.do(ctx, &request{method: http.MethodPost, path: seg + "/message_templates", json: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// EditTemplate replaces the components (and, when set, the category,
// parameter format, TTL and link tracking) of the template templateID,
// which goes through review again. Name and language cannot change and are
// not sent. Only APPROVED, REJECTED and PAUSED templates can be edited; an
// approved one at most once a day and ten times a month (else 2388039).
//
// It checks t first, like CreateTemplate, and returns a *ValidationError
// before any HTTP call when a content rule is broken.
//
// Cloud API: POST /{template-id}.
func (c *Client) EditTemplate(ctx context.Context, templateID string, t MessageTemplate) error {
	seg, err := pathSegment("template_id", templateID)
	if err != nil {
		return err
	}
	if err := t.validate(true); err != nil {
		return err
	}
	body := editTemplateBody{Category: t.Category, ParameterFormat: t.ParameterFormat, Components: t.Components,
		MessageSendTTLSeconds: t.MessageSendTTLSeconds, CTAURLLinkTrackingOptedOut: t.CTAURLLinkTrackingOptedOut,
		extra: t.Extra}
	return c.postSuccess(ctx, seg, body)
}

// MaxDeleteTemplateIDs is how many template ids one DeleteTemplatesByID
// call takes.
const MaxDeleteTemplateIDs = 100

// DeleteTemplate deletes the template name in every language from the
// WhatsApp Business Account wabaID. An approved name cannot be reused for
// 30 days. It returns a *ValidationError for a bad argument and an
// *APIError when the API refuses the call.
//
// Cloud API: DELETE /{waba-id}/message_templates?name=.
func (c *Client) DeleteTemplate(ctx context.Context, wabaID, name string) error {
	if err := checkTemplateName("name", name); err != nil {
		return err
	}
	return c.deleteTemplates(ctx, wabaID, url.Values{"name": {name}})
}

// DeleteTemplateByID deletes one language of a template: the template
// templateID, whose name is name. It returns a *ValidationError for a bad
// argument and an *APIError when the API refuses the call.
//
// Cloud API: DELETE /{waba-id}/message_templates?hsm_id=&name=.
func (c *Client) DeleteTemplateByID(ctx context.Context, wabaID, templateID, name string) error {
	if err := checkTemplateName("name", name); err != nil {
		return err
	}
	if err := checkID("hsm_id", templateID, 64); err != nil {
		return err
	}
	return c.deleteTemplates(ctx, wabaID, url.Values{"hsm_id": {templateID}, "name": {name}})
}

// DeleteTemplatesByID deletes up to 100 templates by id in one call. It
// returns a *ValidationError for a bad argument (no ids, more than 100, an
// empty or duplicate id) and an *APIError when the API refuses the call.
//
// Cloud API: DELETE /{waba-id}/message_templates?hsm_ids=[...].
func (c *Client) DeleteTemplatesByID(ctx context.Context, wabaID string, templateIDs []string) error {
	if err := checkCount("hsm_ids", len(templateIDs), 1, MaxDeleteTemplateIDs); err != nil {
		return err
	}
	for i, id := range templateIDs {
		if err := checkID(index("hsm_ids", i), id, 64); err != nil {
			return err
		}
		for _, prev := range templateIDs[:i] {
			if prev == id {
				return invalid(index("hsm_ids", i), "duplicate template id", id)
			}
		}
	}
	ids, err := json.Marshal(templateIDs)
	if err != nil {
		return err
	}
	return c.deleteTemplates(ctx, wabaID, url.Values{"hsm_ids": {string(ids)}})
}

func (c *Client) deleteTemplates(ctx context.Context, wabaID string, q url.Values) error {
	seg, err := pathSegment("waba_id", wabaID)
	if err != nil {
		return err
	}
	return c.doSuccess(ctx, &request{method: http.MethodDelete, path: seg + "/message_templates", query: q})
}
