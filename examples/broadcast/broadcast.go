package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wacloud/whatsapp"
)

// Recipient is one entry of the mailing list.
type Recipient struct {
	Phone string
	Name  string
}

// Broadcaster sends a marketing template to a list without getting the
// number banned (requirements R4): a Guard installed on the Client refuses
// whoever did not opt in or stopped marketing, whoever is in their quiet
// hours, and everyone beyond the messaging limit (tier); the broadcaster
// waits when the Guard says a wait will do (throughput, pair rate), lets
// the Client retry what the platform rate-limits, and counts the rest.
type Broadcaster struct {
	// Client sends; install the Guard on it with whatsapp.WithGuard.
	Client        *whatsapp.Client
	PhoneNumberID string
	Template      whatsapp.MessageTemplate
	// Clock is the time the Guard decides on; nil means time.Now.
	Clock func() time.Time
	// Wait blocks until the clock reads until (or ctx is done); nil waits
	// on a real timer.
	Wait func(ctx context.Context, until time.Time) error
	// MaxWait is the longest wait for a refusal with a retry time; a
	// longer one (quiet hours until morning, the tier's 24 hours) skips
	// the recipient. Default 1 minute.
	MaxWait time.Duration
	// Progress receives one line per recipient that was not simply sent,
	// and a line every ProgressEvery sends. Nil: no progress output.
	Progress      io.Writer
	ProgressEvery int

	mu     sync.Mutex
	sent   map[string]string // message id → recipient
	failed map[string]int    // message id → code of a failed status
}

// Summary is the outcome of a broadcast.
type Summary struct {
	Sent    int            // accepted and not (yet) reported failed
	Skipped map[string]int // by the Guard's rule: "quiet-hours", "opt-in", "tier", ...
	Failed  map[int]int    // by error code: refused by the API, or failed in a status webhook
}

// String reads like "sent 42, skipped 9 (opt-in 2, quiet-hours 7), failed 1 (131026 1)".
func (s Summary) String() string {
	count := func(m map[string]int) (int, string) {
		keys := make([]string, 0, len(m))
		n := 0
		for k, v := range m {
			keys = append(keys, k)
			n += v
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, m[k])
		}
		return n, strings.Join(parts, ", ")
	}
	skipped, sk := count(s.Skipped)
	failed := map[string]int{}
	for code, n := range s.Failed {
		failed[fmt.Sprint(code)] = n
	}
	nf, fl := count(failed)
	out := fmt.Sprintf("sent %d, skipped by rule %d", s.Sent, skipped)
	if sk != "" {
		out += " (" + sk + ")"
	}
	out += fmt.Sprintf(", failed %d", nf)
	if fl != "" {
		out += " (" + fl + ")"
	}
	return out
}

func (b *Broadcaster) now() time.Time {
	if b.Clock != nil {
		return b.Clock()
	}
	return time.Now()
}

func (b *Broadcaster) wait(ctx context.Context, until time.Time) error {
	if b.Wait != nil {
		return b.Wait(ctx, until)
	}
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (b *Broadcaster) progress(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

// OnStatus records failed statuses: a send the API accepted can still
// fail later (131026 for a number not on WhatsApp, 131050 for a user who
// stopped marketing, ...). Install it as the webhook's OnStatus. A status
// may arrive before Send returns the message's id, so failures are kept by
// id and matched in Summarize.
func (b *Broadcaster) OnStatus(_ context.Context, s *whatsapp.Status) error {
	if s.Status != "failed" {
		return nil
	}
	code := 0
	if len(s.Errors) > 0 && s.Errors[0] != nil {
		code = s.Errors[0].Code
	}
	b.mu.Lock()
	if b.failed == nil {
		b.failed = map[string]int{}
	}
	b.failed[s.ID] = code
	b.mu.Unlock()
	return nil
}

// Run sends the template to every recipient, in order, and returns the
// summary of the sends; failures reported later by webhooks are added by
// Summarize. It returns early only when ctx is done.
func (b *Broadcaster) Run(ctx context.Context, list []Recipient) (Summary, error) {
	b.mu.Lock()
	b.sent = map[string]string{}
	b.mu.Unlock()
	maxWait := b.MaxWait
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	sum := Summary{Skipped: map[string]int{}, Failed: map[int]int{}}
	for i, r := range list {
		tpl, err := b.Template.Build(whatsapp.TemplateValues{Body: []string{r.Name}})
		if err != nil {
			return sum, err
		}
		m := whatsapp.Message{To: r.Phone, Content: tpl}
		for {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
			res, err := b.Client.Send(ctx, b.PhoneNumberID, m)
			var rule *whatsapp.RuleError
			var apiErr *whatsapp.APIError
			switch {
			case err == nil:
				sum.Sent++
				b.mu.Lock()
				b.sent[res.MessageID] = r.Phone
				b.mu.Unlock()
				if b.ProgressEvery > 0 && sum.Sent%b.ProgressEvery == 0 {
					b.progress("[%3d/%d] %d sent", i+1, len(list), sum.Sent)
				}
			case errors.As(err, &rule) && !rule.RetryAt.IsZero() && rule.RetryAt.Sub(b.now()) <= maxWait:
				// Throughput or pair rate: a short wait will do.
				if err := b.wait(ctx, rule.RetryAt); err != nil {
					return sum, err
				}
				continue
			case errors.As(err, &rule):
				sum.Skipped[rule.Rule]++
				b.progress("[%3d/%d] %s skipped: %s", i+1, len(list), r.Phone, rule.Rule)
			case errors.As(err, &apiErr):
				// The Client already retried what may be retried.
				sum.Failed[apiErr.Code]++
				b.progress("[%3d/%d] %s failed: %v", i+1, len(list), r.Phone, err)
			default:
				if ctx.Err() != nil {
					return sum, ctx.Err()
				}
				sum.Failed[0]++
				b.progress("[%3d/%d] %s failed: %v", i+1, len(list), r.Phone, err)
			}
			break
		}
	}
	return sum, nil
}

// Summarize adds to sum the failures webhooks reported since Run.
func (b *Broadcaster) Summarize(sum Summary) Summary {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]string, 0, len(b.failed))
	for id := range b.failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		to, ok := b.sent[id]
		if !ok {
			continue // not a message of this broadcast
		}
		code := b.failed[id]
		sum.Sent--
		sum.Failed[code]++
		b.progress("          %s failed later (status webhook): code %d", to, code)
	}
	return sum
}
