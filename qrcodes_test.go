package whatsapp

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQRCodeEndpoints(t *testing.T) {
	qr := QRCode{Code: "4O4YGZEG3RIVE1", PrefilledMessage: "Cyber Monday deals?", DeepLinkURL: "https://wa.me/message/4O4YGZEG3RIVE1"}
	withImage := qr
	withImage.QRImageURL = "https://scontent.example/qr.svg"
	const qrJSON = `{"code":"4O4YGZEG3RIVE1","prefilled_message":"Cyber Monday deals?","deep_link_url":"https://wa.me/message/4O4YGZEG3RIVE1"`
	runMgmtTests(t, []mgmtTestCase{
		{
			name: "create with SVG image", method: "POST", path: "/v23.0/1055/message_qrdls",
			body: `{"prefilled_message":"Cyber Monday deals?","generate_qr_image":"SVG"}`,
			resp: qrJSON + `,"qr_image_url":"https://scontent.example/qr.svg"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateQRCode(ctx, "1055", "Cyber Monday deals?", QRImageSVG)
			},
			want: &withImage,
		},
		{
			name: "create without image", method: "POST", path: "/v23.0/1055/message_qrdls",
			body: `{"prefilled_message":"Cyber Monday deals?"}`, resp: qrJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateQRCode(ctx, "1055", "Cyber Monday deals?", "")
			},
			want: &qr,
		},
		{
			name: "update", method: "POST", path: "/v23.0/1055/message_qrdls",
			body: `{"code":"4O4YGZEG3RIVE1","prefilled_message":"Cyber Monday deals?"}`, resp: qrJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateQRCode(ctx, "1055", "4O4YGZEG3RIVE1", "Cyber Monday deals?")
			},
			want: &qr,
		},
		{
			name: "get, data array", method: "GET", path: "/v23.0/1055/message_qrdls/4O4YGZEG3RIVE1",
			resp: `{"data":[` + qrJSON + `}]}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetQRCode(ctx, "1055", "4O4YGZEG3RIVE1", "")
			},
			want: &qr,
		},
		{
			name: "get with PNG image, bare object", method: "GET", path: "/v23.0/1055/message_qrdls/4O4YGZEG3RIVE1",
			query: url.Values{"fields": {"code,prefilled_message,deep_link_url,qr_image_url.format(PNG)"}},
			resp:  qrJSON + `,"qr_image_url":"https://scontent.example/qr.svg"}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetQRCode(ctx, "1055", "4O4YGZEG3RIVE1", QRImagePNG)
			},
			want: &withImage,
		},
		{
			name: "delete", method: "DELETE", path: "/v23.0/1055/message_qrdls/4O4YGZEG3RIVE1", resp: `{"success":true}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteQRCode(ctx, "1055", "4O4YGZEG3RIVE1")
			},
		},
		{
			name: "list one page with images", method: "GET", path: "/v23.0/1055/message_qrdls",
			query: url.Values{"fields": {"code,prefilled_message,deep_link_url,qr_image_url.format(SVG)"}, "limit": {"10"}},
			resp:  `{"data":[` + qrJSON + `,"qr_image_url":"https://scontent.example/qr.svg"}],"paging":{"cursors":{"after":"MQ"}}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListQRCodesPage(ctx, "1055", &ListQRCodesOptions{ImageFormat: QRImageSVG, Limit: 10})
			},
			want: &QRCodePage{QRCodes: []QRCode{withImage}, Paging: Paging{Cursors: Cursors{After: "MQ"}}},
		},
	})
}

func TestQRCodeLocalErrors(t *testing.T) {
	tests := []struct {
		name  string
		field string
		call  func(context.Context, *Client) error
	}{
		{"message over 140", "prefilled_message", func(ctx context.Context, c *Client) error {
			_, err := c.CreateQRCode(ctx, "1055", strings.Repeat("m", 141), QRImagePNG)
			return err
		}},
		{"message over 140 characters of emoji", "prefilled_message", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateQRCode(ctx, "1055", "4O4YGZEG3RIVE1", strings.Repeat("🙂", 141))
			return err
		}},
		{"empty message", "prefilled_message", func(ctx context.Context, c *Client) error {
			_, err := c.CreateQRCode(ctx, "1055", "", QRImagePNG)
			return err
		}},
		{"JPEG image", "generate_qr_image", func(ctx context.Context, c *Client) error {
			_, err := c.CreateQRCode(ctx, "1055", "hi", "JPEG")
			return err
		}},
		{"lower-case format", "generate_qr_image", func(ctx context.Context, c *Client) error {
			_, err := c.GetQRCode(ctx, "1055", "4O4YGZEG3RIVE1", "svg")
			return err
		}},
		{"list format", "generate_qr_image", func(ctx context.Context, c *Client) error {
			_, err := c.ListQRCodesPage(ctx, "1055", &ListQRCodesOptions{ImageFormat: "GIF"})
			return err
		}},
		{"code with slash", "code", func(ctx context.Context, c *Client) error { return c.DeleteQRCode(ctx, "1055", "../1055") }},
		{"empty code on update", "code", func(ctx context.Context, c *Client) error {
			_, err := c.UpdateQRCode(ctx, "1055", "", "hi")
			return err
		}},
		{"empty code on get", "code", func(ctx context.Context, c *Client) error {
			_, err := c.GetQRCode(ctx, "1055", "", "")
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { mgmtTestNoRequest(t, tc.field, tc.call) })
	}
	// 140 characters (of emoji, 4 bytes each) is allowed.
	c, mux := testSetup(t)
	mux.HandleFunc("/v23.0/1055/message_qrdls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"code":"X","prefilled_message":"","deep_link_url":""}`)
	})
	if _, err := c.CreateQRCode(context.Background(), "1055", strings.Repeat("🙂", 140), ""); err != nil {
		t.Errorf("140 characters: %v", err)
	}
}

func TestListQRCodesIterator(t *testing.T) {
	c, mux := testSetup(t)
	mediaTestPager(t, mux, "/v23.0/1055/message_qrdls", [][]string{
		{`{"code":"A"}`, `{"code":"B"}`}, {`{"code":"C"}`},
	}, url.Values{"fields": {"code,prefilled_message,deep_link_url,qr_image_url.format(PNG)"}})
	var got []string
	for q, err := range c.ListQRCodes(context.Background(), "1055", &ListQRCodesOptions{ImageFormat: QRImagePNG}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, q.Code)
	}
	if diff := cmp.Diff([]string{"A", "B", "C"}, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}
