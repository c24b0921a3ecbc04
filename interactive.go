package whatsapp

import (
	"encoding/json"
	"strconv"
)

// Interactive is a message the user answers by tapping: reply buttons, a
// list, a call-to-action URL, a location request, a flow, or a product,
// product list or catalog. Action picks the kind:
//
//	whatsapp.Interactive{
//		Body: "How can we help?",
//		Action: whatsapp.ReplyButtons{
//			{ID: "sales", Title: "Sales"},
//			{ID: "support", Title: "Support"},
//		},
//	}
type Interactive struct {
	// Header is optional, and not allowed on every kind.
	Header *InteractiveHeader
	// Body is the message text.
	Body string
	// Footer is optional, at most 60 characters.
	Footer string
	// Action is ReplyButtons, List, CTAURL, LocationRequest, Flow, Product,
	// ProductList, Catalog or RawAction.
	Action InteractiveAction
}

// InteractiveAction is the action of an Interactive message. The interface
// is sealed: it is implemented by this package's action kinds and RawAction.
type InteractiveAction interface {
	// InteractiveType returns the wire name of the kind, e.g. "button".
	InteractiveType() string
	rules() interactiveRules
	validate(field string) error
}

// interactiveRules are what each kind allows around its action.
type interactiveRules struct {
	bodyRequired bool
	bodyMax      int
	header       headerRule
}

type headerRule int

const (
	headerNone headerRule = iota
	headerTextOnly
	headerTextOrMedia
	headerTextRequired
)

// MessageType returns "interactive".
func (Interactive) MessageType() string { return TypeInteractive }

func (in Interactive) fill(w *wireMessage) { w.Interactive = &in }

func (in Interactive) validate(f string) error {
	var ok bool
	if in.Action, ok = actionValue(in.Action); !ok {
		return invalid(join(f, "action"), "is required", nil)
	}
	r := in.Action.rules()
	minBody := 0
	if r.bodyRequired {
		minBody = 1
	}
	if err := checkText("body.text", in.Body, minBody, r.bodyMax); err != nil {
		return within(f, err)
	}
	if err := checkText("footer.text", in.Footer, 0, MaxFooterLength); err != nil {
		return within(f, err)
	}
	hf := join(f, "header")
	switch {
	case in.Header == nil && r.header == headerTextRequired:
		return invalid(hf, "is required for "+in.Action.InteractiveType()+" messages", nil)
	case in.Header == nil:
	case r.header == headerNone:
		return invalid(hf, "is not allowed on "+in.Action.InteractiveType()+" messages", nil)
	default:
		if err := in.Header.validate(hf); err != nil {
			return err
		}
		if r.header != headerTextOrMedia && in.Header.Text == "" {
			return invalid(hf+".type", "must be text on "+in.Action.InteractiveType()+" messages", in.Header.headerType())
		}
	}
	return in.Action.validate(join(f, "action"))
}

type wireText struct {
	Text string `json:"text"`
}

// MarshalJSON encodes the wire form: type, header, body, footer, action.
func (in Interactive) MarshalJSON() ([]byte, error) {
	w := struct {
		Type   string             `json:"type"`
		Header *InteractiveHeader `json:"header,omitempty"`
		Body   *wireText          `json:"body,omitempty"`
		Footer *wireText          `json:"footer,omitempty"`
		Action any                `json:"action,omitempty"`
	}{Header: in.Header}
	if in.Body != "" {
		w.Body = &wireText{in.Body}
	}
	if in.Footer != "" {
		w.Footer = &wireText{in.Footer}
	}
	if a, ok := actionValue(in.Action); ok {
		w.Type = a.InteractiveType()
		w.Action = wireAction(a)
	}
	return marshalJSON(w)
}

// InteractiveHeader is the header of an interactive message: set exactly one
// of Text, Image, Video and Document.
type InteractiveHeader struct {
	Text     string
	Image    *Image
	Video    *Video
	Document *Document
}

func (h *InteractiveHeader) headerType() string {
	switch {
	case h.Image != nil:
		return "image"
	case h.Video != nil:
		return "video"
	case h.Document != nil:
		return "document"
	}
	return "text"
}

func (h *InteractiveHeader) validate(f string) error {
	n := 0
	for _, set := range []bool{h.Text != "", h.Image != nil, h.Video != nil, h.Document != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalid(f, "set exactly one of text, image, video and document", nil)
	}
	switch {
	case h.Image != nil:
		return h.Image.validate(join(f, "image"))
	case h.Video != nil:
		return h.Video.validate(join(f, "video"))
	case h.Document != nil:
		return h.Document.validate(join(f, "document"))
	}
	return within(f, checkText("text", h.Text, 1, MaxHeaderTextLength))
}

// MarshalJSON encodes the header with its type.
func (h InteractiveHeader) MarshalJSON() ([]byte, error) {
	w := struct {
		Type     string    `json:"type"`
		Text     string    `json:"text,omitempty"`
		Image    *Image    `json:"image,omitempty"`
		Video    *Video    `json:"video,omitempty"`
		Document *Document `json:"document,omitempty"`
	}{h.headerType(), h.Text, h.Image, h.Video, h.Document}
	return marshalJSON(w)
}

// actionValue returns a with a pointer to an action kind replaced by its
// value, and false when there is no action (nil or a nil pointer).
func actionValue(a InteractiveAction) (InteractiveAction, bool) {
	switch v := a.(type) {
	case nil:
		return nil, false
	case *ReplyButtons:
		return derefAction(v)
	case *List:
		return derefAction(v)
	case *CTAURL:
		return derefAction(v)
	case *LocationRequest:
		return derefAction(v)
	case *Flow:
		return derefAction(v)
	case *Product:
		return derefAction(v)
	case *ProductList:
		return derefAction(v)
	case *Catalog:
		return derefAction(v)
	case *RawAction:
		return derefAction(v)
	}
	return a, true
}

func derefAction[T InteractiveAction](p *T) (InteractiveAction, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

// wireAction returns the JSON value of an action.
func wireAction(a InteractiveAction) any {
	switch a := a.(type) {
	case ReplyButtons:
		type reply struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		}
		type button struct {
			Type  string `json:"type"`
			Reply reply  `json:"reply"`
		}
		bs := make([]button, len(a))
		for i, b := range a {
			bs[i] = button{"reply", reply(b)}
		}
		return struct {
			Buttons []button `json:"buttons"`
		}{bs}
	case List:
		return struct {
			Button   string        `json:"button"`
			Sections []ListSection `json:"sections"`
		}{a.Button, a.Sections}
	case CTAURL:
		return struct {
			Name       string `json:"name"`
			Parameters CTAURL `json:"parameters"`
		}{"cta_url", a}
	case LocationRequest:
		return struct {
			Name string `json:"name"`
		}{"send_location"}
	case Flow:
		return a.wire()
	case Product:
		return a
	case ProductList:
		return a
	case Catalog:
		p := struct {
			Thumbnail string `json:"thumbnail_product_retailer_id,omitempty"`
		}{a.ThumbnailProductRetailerID}
		return struct {
			Name       string `json:"name"`
			Parameters any    `json:"parameters"`
		}{"catalog_message", p}
	case RawAction:
		return a.Action
	}
	return nil
}

// ReplyButton is one reply button: ID comes back in the user's
// button_reply, Title is shown (at most 20 characters, unique).
type ReplyButton struct {
	ID    string
	Title string
}

// ReplyButtons are 1 to 3 reply buttons (interactive type "button"). The
// header may be text, image, video or document; the body is at most 1024
// characters.
type ReplyButtons []ReplyButton

// InteractiveType returns "button".
func (ReplyButtons) InteractiveType() string { return "button" }

func (ReplyButtons) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerTextOrMedia}
}

func (bs ReplyButtons) validate(f string) error {
	f = join(f, "buttons")
	if err := checkCount(f, len(bs), 1, MaxReplyButtons); err != nil {
		return err
	}
	for i, b := range bs {
		bf := index(f, i) + ".reply"
		if err := checkText(join(bf, "id"), b.ID, 1, MaxButtonIDLength); err != nil {
			return err
		}
		if err := checkText(join(bf, "title"), b.Title, 1, MaxButtonTitleLength); err != nil {
			return err
		}
		for j := range i {
			if bs[j].Title == b.Title {
				return invalid(join(bf, "title"), "must be unique; same as buttons["+strconv.Itoa(j)+"]", b.Title)
			}
			if bs[j].ID == b.ID {
				return invalid(join(bf, "id"), "must be unique; same as buttons["+strconv.Itoa(j)+"]", b.ID)
			}
		}
	}
	return nil
}

// List is a list message (interactive type "list"): Button opens the list;
// at most 10 sections and 10 rows in all. The header may only be text; the
// body is at most 4096 characters.
type List struct {
	Button   string
	Sections []ListSection
}

// ListSection is a section of a List. Title is required when the list has
// more than one section.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is a row the user can pick: ID comes back in the list_reply.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// InteractiveType returns "list".
func (List) InteractiveType() string { return "list" }

func (List) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxListBodyLength, header: headerTextOnly}
}

func (l List) validate(f string) error {
	if err := checkText("button", l.Button, 1, MaxListButtonLength); err != nil {
		return within(f, err)
	}
	sf := join(f, "sections")
	if err := checkCount(sf, len(l.Sections), 1, MaxListSections); err != nil {
		return err
	}
	rows := 0
	seen := make(map[string]struct{}, MaxListRows)
	for i, s := range l.Sections {
		f := index(sf, i)
		minTitle := 0
		if len(l.Sections) > 1 {
			minTitle = 1
		}
		if err := checkText("title", s.Title, minTitle, MaxListRowTitleLength); err != nil {
			return within(f, err)
		}
		rf := join(f, "rows")
		if err := checkCount(rf, len(s.Rows), 1, MaxListRows); err != nil {
			return err
		}
		for j, r := range s.Rows {
			rows++
			f := index(rf, j)
			if rows > MaxListRows {
				return invalid(f, "a list has at most "+strconv.Itoa(MaxListRows)+" rows in all sections", nil)
			}
			if err := checkText("id", r.ID, 1, MaxListRowIDLength); err != nil {
				return within(f, err)
			}
			if _, dup := seen[r.ID]; dup {
				return invalid(join(f, "id"), "must be unique across the list", r.ID)
			}
			seen[r.ID] = struct{}{}
			if err := checkText("title", r.Title, 1, MaxListRowTitleLength); err != nil {
				return within(f, err)
			}
			if err := checkText("description", r.Description, 0, MaxListRowDescLength); err != nil {
				return within(f, err)
			}
		}
	}
	return nil
}

// CTAURL is a call-to-action button that opens URL (interactive type
// "cta_url").
type CTAURL struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// InteractiveType returns "cta_url".
func (CTAURL) InteractiveType() string { return "cta_url" }

func (CTAURL) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerTextOrMedia}
}

func (c CTAURL) validate(f string) error {
	f = join(f, "parameters")
	if err := checkText("display_text", c.DisplayText, 1, MaxCTADisplayTextLength); err != nil {
		return within(f, err)
	}
	return within(f, checkURL("url", c.URL, 2000, "https", "http"))
}

// LocationRequest asks the user to share their location (interactive type
// "location_request_message"); the answer arrives as a location message.
type LocationRequest struct{}

// InteractiveType returns "location_request_message".
func (LocationRequest) InteractiveType() string { return "location_request_message" }

func (LocationRequest) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerNone}
}

func (LocationRequest) validate(string) error { return nil }

// Flow opens a WhatsApp Flow (interactive type "flow"). Set FlowID or
// FlowName. ActionType "navigate" (the default) opens Screen with Data;
// "data_exchange" asks the flow's endpoint for the first screen.
type Flow struct {
	// MessageVersion is flow_message_version; default "3".
	MessageVersion string
	FlowID         string
	FlowName       string
	// CTA is the button label, at most 30 characters.
	CTA string
	// Mode is "published" (default) or "draft".
	Mode string
	// Token identifies this flow session to the business (flow_token).
	Token string
	// ActionType is "navigate" (default) or "data_exchange".
	ActionType string
	// Screen and Data are the first screen and its input (navigate only).
	Screen string
	Data   map[string]any
}

// InteractiveType returns "flow".
func (Flow) InteractiveType() string { return "flow" }

func (Flow) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerTextOnly}
}

func (fl Flow) validate(f string) error {
	f = join(f, "parameters")
	if (fl.FlowID == "") == (fl.FlowName == "") {
		return invalid(join(f, "flow_id"), "set exactly one of flow_id and flow_name", nil)
	}
	if fl.FlowID != "" {
		if err := checkID("flow_id", fl.FlowID, 128); err != nil {
			return within(f, err)
		}
	}
	if err := checkText("flow_cta", fl.CTA, 1, MaxFlowCTALength); err != nil {
		return within(f, err)
	}
	if fl.Mode != "" {
		if err := oneOf(join(f, "mode"), fl.Mode, "draft", "published"); err != nil {
			return err
		}
	}
	if fl.MessageVersion != "" && fl.MessageVersion != "3" {
		return invalid(join(f, "flow_message_version"), "must be 3", fl.MessageVersion)
	}
	switch fl.ActionType {
	case "", "navigate":
		if fl.Screen == "" && len(fl.Data) > 0 {
			return invalid(join(f, "flow_action_payload.screen"), "is required when data is set", nil)
		}
	case "data_exchange":
		if fl.Screen != "" || len(fl.Data) > 0 {
			return invalid(join(f, "flow_action_payload"), "is only allowed with flow_action navigate", nil)
		}
	default:
		return invalid(join(f, "flow_action"), "must be navigate or data_exchange", fl.ActionType)
	}
	return nil
}

func (fl Flow) wire() any {
	type payload struct {
		Screen string         `json:"screen"`
		Data   map[string]any `json:"data,omitempty"`
	}
	type params struct {
		Version string   `json:"flow_message_version"`
		Token   string   `json:"flow_token,omitempty"`
		ID      string   `json:"flow_id,omitempty"`
		Name    string   `json:"flow_name,omitempty"`
		CTA     string   `json:"flow_cta"`
		Mode    string   `json:"mode,omitempty"`
		Action  string   `json:"flow_action,omitempty"`
		Payload *payload `json:"flow_action_payload,omitempty"`
	}
	p := params{Version: fl.MessageVersion, Token: fl.Token, ID: fl.FlowID, Name: fl.FlowName,
		CTA: fl.CTA, Mode: fl.Mode, Action: fl.ActionType}
	if p.Version == "" {
		p.Version = "3"
	}
	if fl.Screen != "" {
		p.Payload = &payload{fl.Screen, fl.Data}
	}
	return struct {
		Name       string `json:"name"`
		Parameters params `json:"parameters"`
	}{"flow", p}
}

// Product shows one product of a catalog (interactive type "product"). The
// body is optional; a header is not allowed.
type Product struct {
	CatalogID         string `json:"catalog_id"`
	ProductRetailerID string `json:"product_retailer_id"`
}

// InteractiveType returns "product".
func (Product) InteractiveType() string { return "product" }

func (Product) rules() interactiveRules {
	return interactiveRules{bodyMax: MaxInteractiveBodyLength, header: headerNone}
}

func (p Product) validate(f string) error {
	if err := checkID("catalog_id", p.CatalogID, 128); err != nil {
		return within(f, err)
	}
	return within(f, checkText("product_retailer_id", p.ProductRetailerID, 1, 256))
}

// ProductList shows up to 30 products in up to 10 sections (interactive
// type "product_list"). A text header is required.
type ProductList struct {
	CatalogID string               `json:"catalog_id"`
	Sections  []ProductListSection `json:"sections"`
}

// ProductListSection is a titled group of products.
type ProductListSection struct {
	Title        string              `json:"title"`
	ProductItems []ProductListItemID `json:"product_items"`
}

// ProductListItemID names one product of a ProductListSection.
type ProductListItemID struct {
	ProductRetailerID string `json:"product_retailer_id"`
}

// InteractiveType returns "product_list".
func (ProductList) InteractiveType() string { return "product_list" }

func (ProductList) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerTextRequired}
}

func (p ProductList) validate(f string) error {
	if err := checkID("catalog_id", p.CatalogID, 128); err != nil {
		return within(f, err)
	}
	sf := join(f, "sections")
	if err := checkCount(sf, len(p.Sections), 1, MaxListSections); err != nil {
		return err
	}
	items := 0
	for i, s := range p.Sections {
		f := index(sf, i)
		if err := checkText("title", s.Title, 1, MaxListRowTitleLength); err != nil {
			return within(f, err)
		}
		pf := join(f, "product_items")
		if err := checkCount(pf, len(s.ProductItems), 1, MaxProductListItems); err != nil {
			return err
		}
		for j, it := range s.ProductItems {
			items++
			f := index(pf, j)
			if items > MaxProductListItems {
				return invalid(f, "a product list has at most "+strconv.Itoa(MaxProductListItems)+" products in all sections", nil)
			}
			if err := checkText("product_retailer_id", it.ProductRetailerID, 1, 256); err != nil {
				return within(f, err)
			}
		}
	}
	return nil
}

// Catalog shows the business's catalog (interactive type
// "catalog_message"), optionally with one product as the thumbnail.
type Catalog struct {
	ThumbnailProductRetailerID string
}

// InteractiveType returns "catalog_message".
func (Catalog) InteractiveType() string { return "catalog_message" }

func (Catalog) rules() interactiveRules {
	return interactiveRules{bodyRequired: true, bodyMax: MaxInteractiveBodyLength, header: headerNone}
}

func (c Catalog) validate(f string) error {
	return within(f, checkText("parameters.thumbnail_product_retailer_id", c.ThumbnailProductRetailerID, 0, 256))
}

// RawAction sends an interactive kind this package does not model yet:
// Type is the interactive type, Action the JSON of the action member.
// Header, body and footer are checked with the loosest rules.
type RawAction struct {
	Type   string
	Action json.RawMessage
}

// InteractiveType returns a.Type.
func (a RawAction) InteractiveType() string { return a.Type }

func (RawAction) rules() interactiveRules {
	return interactiveRules{bodyMax: MaxListBodyLength, header: headerTextOrMedia}
}

func (a RawAction) validate(f string) error {
	if a.Type == "" {
		return invalid("interactive.type", "is required", nil)
	}
	if len(a.Action) > 0 && !json.Valid(a.Action) {
		return invalid(f, "must be valid JSON", nil)
	}
	return nil
}
