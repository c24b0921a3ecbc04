package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// This file decodes the wire form of outbound messages back into Message
// values: what a queue stores, what a proxy inspects, and what the
// whatsapptest server reads before applying the same checks as Send.

// UnmarshalJSON decodes a Cloud API send-message request body. A kind the
// package does not model decodes into RawContent (or RawAction for an
// interactive kind), so nothing is lost. It fails only on malformed JSON or
// a member of the wrong JSON type.
func (m *Message) UnmarshalJSON(b []byte) error {
	var w struct {
		RecipientType string          `json:"recipient_type"`
		To            string          `json:"to"`
		Type          string          `json:"type"`
		Context       *wireContext    `json:"context"`
		CallbackData  string          `json:"biz_opaque_callback_data"`
		Text          json.RawMessage `json:"text"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Message{To: w.To, RecipientType: w.RecipientType, CallbackData: w.CallbackData}
	if m.RecipientType == "individual" {
		m.RecipientType = ""
	}
	if w.Context != nil {
		m.ReplyTo = w.Context.MessageID
	}
	if w.Type == "" {
		return nil
	}
	var body json.RawMessage
	if w.Type == TypeText {
		body = w.Text
	} else {
		var all map[string]json.RawMessage
		if err := json.Unmarshal(b, &all); err != nil {
			return err
		}
		body = all[w.Type]
	}
	c, err := decodeContent(w.Type, body)
	if err != nil {
		return fmt.Errorf("whatsapp: decoding %s: %w", w.Type, err)
	}
	m.Content = c
	return nil
}

// decodeContent decodes the member named typ into its content kind. A
// missing member yields the kind's zero value, which Validate refuses.
func decodeContent(typ string, body json.RawMessage) (Content, error) {
	present := len(body) > 0 && !bytes.Equal(body, []byte("null"))
	into := func(v any) error {
		if !present {
			return nil
		}
		return json.Unmarshal(body, v)
	}
	var err error
	switch typ {
	case TypeText:
		var v Text
		err = into(&v)
		return v, err
	case TypeImage:
		var v Image
		err = into(&v)
		return v, err
	case TypeVideo:
		var v Video
		err = into(&v)
		return v, err
	case TypeAudio:
		var v Audio
		err = into(&v)
		return v, err
	case TypeDocument:
		var v Document
		err = into(&v)
		return v, err
	case TypeSticker:
		var v Sticker
		err = into(&v)
		return v, err
	case TypeLocation:
		var v Location
		err = into(&v)
		return v, err
	case TypeContacts:
		var v Contacts
		err = into(&v)
		return v, err
	case TypeReaction:
		var v Reaction
		err = into(&v)
		return v, err
	case TypeInteractive:
		var v Interactive
		err = into(&v)
		return v, err
	case TypeTemplate:
		var v Template
		err = into(&v)
		return v, err
	}
	return RawContent{Type: typ, Body: bytes.Clone(body)}, nil
}

// UnmarshalJSON decodes the wire form of an interactive message.
func (in *Interactive) UnmarshalJSON(b []byte) error {
	var w struct {
		Type   string             `json:"type"`
		Header *InteractiveHeader `json:"header"`
		Body   *wireText          `json:"body"`
		Footer *wireText          `json:"footer"`
		Action json.RawMessage    `json:"action"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*in = Interactive{Header: w.Header}
	if w.Body != nil {
		in.Body = w.Body.Text
	}
	if w.Footer != nil {
		in.Footer = w.Footer.Text
	}
	if w.Type == "" {
		return nil
	}
	a, err := decodeAction(w.Type, w.Action)
	in.Action = a
	return err
}

func decodeAction(typ string, raw json.RawMessage) (InteractiveAction, error) {
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	switch typ {
	case "button":
		var w struct {
			Buttons []struct {
				Reply ReplyButton `json:"reply"`
			} `json:"buttons"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, err
		}
		bs := make(ReplyButtons, len(w.Buttons))
		for i, b := range w.Buttons {
			bs[i] = b.Reply
		}
		return bs, nil
	case "list":
		var w struct {
			Button   string        `json:"button"`
			Sections []ListSection `json:"sections"`
		}
		err := json.Unmarshal(raw, &w)
		return List{Button: w.Button, Sections: w.Sections}, err
	case "cta_url":
		var w struct {
			Parameters CTAURL `json:"parameters"`
		}
		err := json.Unmarshal(raw, &w)
		return w.Parameters, err
	case "location_request_message":
		return LocationRequest{}, nil
	case "flow":
		var w struct {
			Parameters struct {
				Version string `json:"flow_message_version"`
				Token   string `json:"flow_token"`
				ID      string `json:"flow_id"`
				Name    string `json:"flow_name"`
				CTA     string `json:"flow_cta"`
				Mode    string `json:"mode"`
				Action  string `json:"flow_action"`
				Payload *struct {
					Screen string         `json:"screen"`
					Data   map[string]any `json:"data"`
				} `json:"flow_action_payload"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, err
		}
		p := w.Parameters
		f := Flow{MessageVersion: p.Version, Token: p.Token, FlowID: p.ID, FlowName: p.Name, CTA: p.CTA, Mode: p.Mode, ActionType: p.Action}
		if p.Payload != nil {
			f.Screen, f.Data = p.Payload.Screen, p.Payload.Data
		}
		return f, nil
	case "product":
		var p Product
		err := json.Unmarshal(raw, &p)
		return p, err
	case "product_list":
		var p ProductList
		err := json.Unmarshal(raw, &p)
		return p, err
	case "catalog_message":
		var w struct {
			Parameters struct {
				Thumbnail string `json:"thumbnail_product_retailer_id"`
			} `json:"parameters"`
		}
		err := json.Unmarshal(raw, &w)
		return Catalog{ThumbnailProductRetailerID: w.Parameters.Thumbnail}, err
	}
	return RawAction{Type: typ, Action: bytes.Clone(raw)}, nil
}

// UnmarshalJSON decodes an interactive header with its type.
func (h *InteractiveHeader) UnmarshalJSON(b []byte) error {
	var w struct {
		Type     string    `json:"type"`
		Text     string    `json:"text"`
		Image    *Image    `json:"image"`
		Video    *Video    `json:"video"`
		Document *Document `json:"document"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*h = InteractiveHeader{Text: w.Text, Image: w.Image, Video: w.Video, Document: w.Document}
	return nil
}

// UnmarshalJSON decodes a template send with its language object.
func (t *Template) UnmarshalJSON(b []byte) error {
	var w struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []TemplateComponent `json:"components"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Template{Name: w.Name, Language: w.Language.Code, Components: w.Components}
	return nil
}

// UnmarshalJSON decodes a template component; a button index may be a
// string (as documented) or a number.
func (c *TemplateComponent) UnmarshalJSON(b []byte) error {
	var w struct {
		Type       string              `json:"type"`
		SubType    string              `json:"sub_type"`
		Index      json.RawMessage     `json:"index"`
		Parameters []TemplateParameter `json:"parameters"`
		Cards      []TemplateCard      `json:"cards"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = TemplateComponent{Type: w.Type, SubType: w.SubType, Parameters: w.Parameters, Cards: w.Cards}
	if len(w.Index) > 0 && string(w.Index) != "null" {
		s := string(bytes.Trim(w.Index, `"`))
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("index must be a number 0 to 9, got " + strconv.Quote(truncate(s, 20)))
		}
		c.Index = n
	}
	return nil
}
