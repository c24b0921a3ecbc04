// Command whatsapp-fake runs whatsapptest, the fake WhatsApp Business Cloud
// API, as a standalone server, for teams testing services written in any
// language.
//
// Point the service's Graph API base URL at the printed address (for
// example http://127.0.0.1:8765/v23.0/...), use the token given with
// -token, and receive webhooks signed with -app-secret at -callback-url.
// The server checks requests as Meta does (the same JSON shapes and error
// codes, the 24-hour window, templates) and follows the wall clock.
//
// A control API under /whatsapptest/ (same token) simulates users, moves
// the clock and reads the recorded traffic; see whatsapptest.WithControlAPI:
//
//	curl -H "Authorization: Bearer $TOKEN" -d '{"text":"hi"}' \
//	    http://127.0.0.1:8765/whatsapptest/users/+15551234567/messages
//
// Usage:
//
//	whatsapp-fake [-addr 127.0.0.1:8765] [-token T] [-app-secret S]
//	    [-callback-url URL] [-phone-number-id ID] [-waba-id ID] [-version v23.0]
//
// It prints the base URL on the first line of its output and serves until
// SIGINT or SIGTERM, then shuts down gracefully (requests in flight
// complete).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wacloud/whatsapp"
	"github.com/wacloud/whatsapp/whatsapptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "whatsapp-fake:", err)
		}
		os.Exit(2)
	}
}

// run serves until ctx is done. When started is not nil it receives the
// server once it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, started chan<- *whatsapptest.Server) error {
	fs := flag.NewFlagSet("whatsapp-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "address to listen on (loopback by default; port 0 picks a free one)")
	token := fs.String("token", whatsapptest.DefaultToken, "access token the server accepts")
	secret := fs.String("app-secret", whatsapptest.DefaultAppSecret, "app secret that signs webhooks (X-Hub-Signature-256)")
	callback := fs.String("callback-url", "", "URL that receives webhooks (none: webhooks are not delivered)")
	pnid := fs.String("phone-number-id", whatsapptest.DefaultPhoneNumberID, "id of the business phone number")
	waba := fs.String("waba-id", whatsapptest.DefaultWABAID, "id of the WhatsApp Business Account")
	version := fs.String("version", whatsapp.DefaultAPIVersion, "Graph API version shown in the printed URLs (every vN.N is served)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *callback != "" {
		if u, err := url.Parse(*callback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-callback-url: want an absolute http(s) URL, got %q", *callback)
		}
	}
	if *token == "" || *secret == "" {
		return errors.New("-token and -app-secret must not be empty")
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	opts := []whatsapptest.Option{
		whatsapptest.WithListener(l),
		whatsapptest.WithClock(whatsapptest.NewWallClock()),
		whatsapptest.WithControlAPI(),
		whatsapptest.WithToken(*token),
		whatsapptest.WithAppSecret(*secret),
		whatsapptest.WithWABA(*waba),
		whatsapptest.WithPhoneNumber(whatsapp.PhoneNumber{ID: *pnid, DisplayPhoneNumber: whatsapptest.DefaultDisplayPhoneNumber}),
	}
	if *callback != "" {
		opts = append(opts, whatsapptest.WithWebhookURL(*callback))
	}
	srv := whatsapptest.NewServer(opts...)
	defer srv.Close()

	fmt.Fprintln(stdout, srv.URL)
	fmt.Fprintf(stderr, "whatsapp-fake: serving the Cloud API at %s/%s/ (phone number id %s, WABA id %s)\n", srv.URL, *version, *pnid, *waba)
	fmt.Fprintf(stderr, "whatsapp-fake: send with: curl -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json' %s/%s/%s/messages -d '{...}'\n", srv.URL, *version, *pnid)
	if *callback != "" {
		fmt.Fprintf(stderr, "whatsapp-fake: delivering signed webhooks to %s\n", *callback)
	}
	fmt.Fprintf(stderr, "whatsapp-fake: control API at %s/whatsapptest/ (users, clock, templates, messages, deliveries)\n", srv.URL)
	if started != nil {
		started <- srv
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "whatsapp-fake: shutting down")
	return nil
}
