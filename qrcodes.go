package whatsapp

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// MaxPrefilledMessageLength is the longest prefilled message of a QR code,
// in characters.
const MaxPrefilledMessageLength = 140

// QRImageFormat is the image format of a QR code.
type QRImageFormat string

// QR code image formats.
const (
	QRImagePNG QRImageFormat = "PNG"
	QRImageSVG QRImageFormat = "SVG"
)

// QRCode is a QR code and short link that opens a chat with the business,
// with a message typed in.
type QRCode struct {
	// Code identifies the QR code, e.g. "4O4YGZEG3RIVE1".
	Code string `json:"code"`
	// PrefilledMessage is the text typed in for the user.
	PrefilledMessage string `json:"prefilled_message"`
	// DeepLinkURL is the short link, e.g. "https://wa.me/message/4O4YGZEG3RIVE1".
	DeepLinkURL string `json:"deep_link_url"`
	// QRImageURL is the image, when an image format was asked for.
	QRImageURL string `json:"qr_image_url,omitempty"`
}

type qrCodeBody struct {
	Code             string        `json:"code,omitempty"`
	PrefilledMessage string        `json:"prefilled_message"`
	GenerateQRImage  QRImageFormat `json:"generate_qr_image,omitempty"`
}

func checkQRFormat(f QRImageFormat) error {
	if f == "" {
		return nil
	}
	return oneOf("generate_qr_image", string(f), string(QRImagePNG), string(QRImageSVG))
}

// CreateQRCode creates a QR code for phoneNumberID that opens a chat with
// message (1 to 140 characters) typed in. format, PNG or SVG, asks for an
// image (QRCode.QRImageURL); "" asks for none. It returns a
// *ValidationError for bad input, before any request, and an *APIError
// when the API refuses the call.
//
// Cloud API: POST /{phone-number-id}/message_qrdls.
func (c *Client) CreateQRCode(ctx context.Context, phoneNumberID, message string, format QRImageFormat) (*QRCode, error) {
	return c.postQRCode(ctx, phoneNumberID, qrCodeBody{PrefilledMessage: message, GenerateQRImage: format})
}

// UpdateQRCode changes the prefilled message (1 to 140 characters) of the
// QR code code. It returns a *ValidationError for bad input, before any
// request, and an *APIError when the API refuses the call.
//
// Cloud API: POST /{phone-number-id}/message_qrdls with "code".
func (c *Client) UpdateQRCode(ctx context.Context, phoneNumberID, code, message string) (*QRCode, error) {
	if _, err := pathSegment("code", code); err != nil {
		return nil, err
	}
	return c.postQRCode(ctx, phoneNumberID, qrCodeBody{Code: code, PrefilledMessage: message})
}

func (c *Client) postQRCode(ctx context.Context, phoneNumberID string, body qrCodeBody) (*QRCode, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	if err := checkText("prefilled_message", body.PrefilledMessage, 1, MaxPrefilledMessageLength); err != nil {
		return nil, err
	}
	if err := checkQRFormat(body.GenerateQRImage); err != nil {
		return nil, err
	}
	q := new(QRCode)
	if err := c.do(ctx, &request{method: http.MethodPost, path: seg + "/message_qrdls", json: body}, q); err != nil {
		return nil, err
	}
	return q, nil
}

// qrFields returns the fields parameter asking for the image in format.
func qrFields(format QRImageFormat) url.Values {
	if format == "" {
		return url.Values{}
	}
	return url.Values{"fields": {"code,prefilled_message,deep_link_url,qr_image_url.format(" + string(format) + ")"}}
}

// GetQRCode returns the QR code code of phoneNumberID; format, PNG or SVG,
// asks for its image too. It returns a *ValidationError for bad input and
// an *APIError when the API refuses the call.
//
// Cloud API: GET /{phone-number-id}/message_qrdls/{code}.
func (c *Client) GetQRCode(ctx context.Context, phoneNumberID, code string, format QRImageFormat) (*QRCode, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	cseg, err := pathSegment("code", code)
	if err != nil {
		return nil, err
	}
	if err := checkQRFormat(format); err != nil {
		return nil, err
	}
	// The API answers {"data": [qr]} (and some versions the bare object).
	var out struct {
		QRCode
		Data []QRCode `json:"data"`
	}
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/message_qrdls/" + cseg, query: qrFields(format)}, &out); err != nil {
		return nil, err
	}
	if len(out.Data) > 0 {
		return &out.Data[0], nil
	}
	return &out.QRCode, nil
}

// DeleteQRCode deletes the QR code code of phoneNumberID. It returns a
// *ValidationError for bad input and an *APIError when the API refuses
// the call.
//
// Cloud API: DELETE /{phone-number-id}/message_qrdls/{code}.
func (c *Client) DeleteQRCode(ctx context.Context, phoneNumberID, code string) error {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return err
	}
	cseg, err := pathSegment("code", code)
	if err != nil {
		return err
	}
	return c.doSuccess(ctx, &request{method: http.MethodDelete, path: seg + "/message_qrdls/" + cseg})
}

// ListQRCodesOptions pages a QR code list.
type ListQRCodesOptions struct {
	// ImageFormat, PNG or SVG, asks for each code's image.
	ImageFormat QRImageFormat `url:"-"`
	// Limit is the page size.
	Limit int `url:"limit,omitempty"`
	// After and Before are paging cursors from a previous page.
	After  string `url:"after,omitempty"`
	Before string `url:"before,omitempty"`
}

// QRCodePage is one page of a QR code list.
type QRCodePage struct {
	// QRCodes are the page's codes.
	QRCodes []QRCode `json:"data"`
	// Paging holds the cursors to the next and previous pages.
	Paging Paging `json:"paging"`
}

// ListQRCodesPage returns one page of the QR codes of phoneNumberID. Pass
// Paging.Cursors.After as opts.After for the next page, or use ListQRCodes
// to walk them all. It returns a *ValidationError for bad input and an
// *APIError when the API refuses the call.
//
// Cloud API: GET /{phone-number-id}/message_qrdls.
func (c *Client) ListQRCodesPage(ctx context.Context, phoneNumberID string, opts *ListQRCodesOptions) (*QRCodePage, error) {
	seg, err := pathSegment("phone_number_id", phoneNumberID)
	if err != nil {
		return nil, err
	}
	q, err := listQuery(opts)
	if err != nil {
		return nil, err
	}
	if opts != nil && opts.ImageFormat != "" {
		if err := checkQRFormat(opts.ImageFormat); err != nil {
			return nil, err
		}
		q.Set("fields", qrFields(opts.ImageFormat).Get("fields"))
	}
	page := new(QRCodePage)
	if err := c.do(ctx, &request{method: http.MethodGet, path: seg + "/message_qrdls", query: q}, page); err != nil {
		return nil, err
	}
	return page, nil
}

// ListQRCodes returns an iterator over every QR code of phoneNumberID,
// fetching pages lazily as the loop advances (opts is copied). On an error
// the iterator yields it once and stops.
//
// Cloud API: GET /{phone-number-id}/message_qrdls.
func (c *Client) ListQRCodes(ctx context.Context, phoneNumberID string, opts *ListQRCodesOptions) iter.Seq2[QRCode, error] {
	var o ListQRCodesOptions
	if opts != nil {
		o = *opts
	}
	return walkPages(phoneNumberID+"/message_qrdls", func(after string) ([]QRCode, Paging, error) {
		o := o
		if after != "" {
			o.After, o.Before = after, ""
		}
		p, err := c.ListQRCodesPage(ctx, phoneNumberID, &o)
		if err != nil {
			return nil, Paging{}, err
		}
		return p.QRCodes, p.Paging, nil
	})
}
