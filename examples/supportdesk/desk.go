package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wacloud/whatsapp"
)

// TicketTemplate is the template that brings a customer back when the
// answer to their request comes after the 24-hour window closed
// (requirements R1: long-running cases).
var TicketTemplate = whatsapp.MessageTemplate{
	Name: "ticket_update", Language: "en_US", Category: whatsapp.TemplateCategoryUtility,
	Components: []whatsapp.MessageTemplateComponent{
		{
			Type:    whatsapp.BodyComponent,
			Text:    "We got an answer to your request {{1}}. The team accepted the task, due date {{2}}.",
			Example: whatsapp.TemplateExample{BodyText: [][]string{{"#4521", "7 March"}}},
		},
		{
			Type:    whatsapp.ButtonsComponent,
			Buttons: []whatsapp.MessageTemplateButton{{Type: whatsapp.ButtonTypeQuickReply, Text: "Talk to a human"}},
		},
	},
}

// Button and row ids of the funnel.
const (
	choiceSales   = "sales"
	choiceSupport = "support"
	choiceDemo    = "demo"
	choiceHuman   = "human"
	choiceMenu    = "menu"
)

// Handoff is a conversation handed to a person.
type Handoff struct {
	Customer string
	Team     string   // "sales" or "support"
	Ticket   string   // the ticket, when there is one
	History  []string // the conversation so far, oldest first
}

// Ticket is a support request.
type Ticket struct {
	ID       string
	Customer string
	Problem  string
	Opened   time.Time
	// MessageID is the id of the last template sent about the ticket, so
	// that the customer's answer to it reaches the ticket.
	MessageID string
}

// Desk is a support desk bot: the funnel of requirements R6. A customer
// who writes gets a greeting with three choices; sales, support and demo
// each start their own chain; "Talk to a human" hands the conversation to
// a person at any point; and a ticket's answer reaches the customer even
// days later, through a template when the window has closed.
type Desk struct {
	Client        *whatsapp.Client // install a Guard with WithGuard to refuse closed-window sends locally
	PhoneNumberID string
	// Clock is the desk's time (tickets' open dates); nil means time.Now.
	Clock func() time.Time
	// OnHandoff is told when a conversation goes to a person.
	OnHandoff func(Handoff)

	mu       sync.Mutex
	sessions map[string]*session
	tickets  map[string]*Ticket
	next     int
}

type session struct {
	stage   string // "", "support"
	human   bool   // a person took over: the bot stays quiet
	ticket  string
	history []string
}

func (d *Desk) now() time.Time {
	if d.Clock != nil {
		return d.Clock()
	}
	return time.Now()
}

// session returns the customer's session, creating it.
func (d *Desk) session(customer string) *session {
	if d.sessions == nil {
		d.sessions, d.tickets = map[string]*session{}, map[string]*Ticket{}
	}
	s := d.sessions[customer]
	if s == nil {
		s = &session{}
		d.sessions[customer] = s
	}
	return s
}

// Ticket returns the ticket with the given id.
func (d *Desk) Ticket(id string) (Ticket, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tickets[id]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// OnMessage handles one customer message from the webhook.
func (d *Desk) OnMessage(ctx context.Context, m *whatsapp.InboundMessage) error {
	if m.PhoneNumberID != d.PhoneNumberID {
		return nil
	}
	choice, text := "", ""
	switch {
	case m.Interactive != nil && m.Interactive.ButtonReply != nil:
		choice, text = m.Interactive.ButtonReply.ID, m.Interactive.ButtonReply.Title
	case m.Interactive != nil && m.Interactive.ListReply != nil:
		choice, text = m.Interactive.ListReply.ID, m.Interactive.ListReply.Title
	case m.Button != nil: // a template's quick reply
		choice, text = m.Button.Payload, m.Button.Text
	case m.Text != nil:
		text = m.Text.Body
	default:
		text = "(" + m.Type + ")"
	}
	if w := strings.ToLower(text); choice == "" && (strings.Contains(w, "human") || strings.Contains(w, "agent")) {
		choice = choiceHuman
	}

	d.mu.Lock()
	s := d.session(m.From)
	s.history = append(s.history, "customer: "+text)
	// An answer to a ticket's template belongs to that ticket.
	if m.Context != nil {
		for _, t := range d.tickets {
			if t.MessageID == m.Context.ID {
				s.ticket = t.ID
			}
		}
	}
	human, stage, ticket := s.human, s.stage, s.ticket
	d.mu.Unlock()

	switch {
	case human:
		return nil // a person answers now
	case choice == choiceHuman:
		team := "support"
		if stage == choiceSales {
			team = "sales"
		}
		return d.handoff(ctx, m.From, team, ticket, "Connecting you with a person. Someone from our team will answer here shortly.")
	case choice == choiceSales:
		d.setStage(m.From, choiceSales)
		return d.send(ctx, m.From, whatsapp.Interactive{
			Body: "What would you like to talk about?",
			Action: whatsapp.List{Button: "Topics", Sections: []whatsapp.ListSection{{Rows: []whatsapp.ListRow{
				{ID: "pricing", Title: "Plans and pricing"},
				{ID: "enterprise", Title: "Enterprise", Description: "More than 100 seats"},
				{ID: "partner", Title: "Partnerships"},
			}}}},
		})
	case stage == choiceSales && choice != "":
		return d.handoff(ctx, m.From, "sales", "", "Thanks! A sales representative will write to you here within the hour about "+strings.ToLower(text)+".")
	case choice == choiceSupport:
		d.setStage(m.From, choiceSupport)
		return d.send(ctx, m.From, whatsapp.Text{Body: "Please describe the problem, with your order number if you have one."})
	case stage == choiceSupport && choice == "":
		t := d.openTicket(m.From, text)
		d.setStage(m.From, "")
		return d.send(ctx, m.From, whatsapp.Interactive{
			Body:   "We opened request " + t.ID + ". We will answer here, even if it takes a few days.",
			Action: whatsapp.ReplyButtons{{ID: choiceHuman, Title: "Talk to a human"}, {ID: choiceMenu, Title: "Main menu"}},
		})
	case choice == choiceDemo:
		d.setStage(m.From, "")
		return d.send(ctx, m.From, whatsapp.Interactive{
			Body:   "Our demo runs in your browser, no sign-up needed.",
			Action: whatsapp.CTAURL{DisplayText: "Try the demo", URL: "https://demo.example.com/start"},
		})
	}
	d.setStage(m.From, "")
	return d.greet(ctx, m.From)
}

func (d *Desk) setStage(customer, stage string) {
	d.mu.Lock()
	d.session(customer).stage = stage
	d.mu.Unlock()
}

// greet sends the greeting with the three choices.
func (d *Desk) greet(ctx context.Context, customer string) error {
	return d.send(ctx, customer, whatsapp.Interactive{
		Header: &whatsapp.InteractiveHeader{Text: "Welcome to Acme"},
		Body:   "Hi! How can we help you today?",
		Footer: "Write \"human\" at any time to reach a person",
		Action: whatsapp.ReplyButtons{
			{ID: choiceSales, Title: "Talk to sales"},
			{ID: choiceSupport, Title: "Get support"},
			{ID: choiceDemo, Title: "Try the demo"},
		},
	})
}

// handoff hands the conversation to a person.
func (d *Desk) handoff(ctx context.Context, customer, team, ticket, text string) error {
	d.mu.Lock()
	s := d.session(customer)
	s.human = true
	h := Handoff{Customer: customer, Team: team, Ticket: ticket, History: append([]string(nil), s.history...)}
	d.mu.Unlock()
	if err := d.send(ctx, customer, whatsapp.Text{Body: text}); err != nil {
		return err
	}
	if d.OnHandoff != nil {
		d.OnHandoff(h)
	}
	return nil
}

func (d *Desk) openTicket(customer, problem string) *Ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	t := &Ticket{ID: fmt.Sprintf("#%d", 4520+d.next), Customer: customer, Problem: problem, Opened: d.now()}
	d.session(customer)
	d.tickets[t.ID] = t
	d.session(customer).ticket = t.ID
	return t
}

// send sends content to customer and records it in the history.
func (d *Desk) send(ctx context.Context, customer string, content whatsapp.Content) error {
	_, err := d.Client.Send(ctx, d.PhoneNumberID, whatsapp.Message{To: customer, Content: content})
	if err != nil {
		return err
	}
	d.mu.Lock()
	s := d.session(customer)
	s.history = append(s.history, "desk: "+content.MessageType())
	d.mu.Unlock()
	return nil
}

// AnswerTicket tells the customer that their request has an answer, due on
// due. Inside the 24-hour window it writes freely; outside, the free-form
// message is refused (locally, by the Guard, when one is installed; or by
// the platform with 131047) and the desk sends the ticket_update template
// instead. It reports whether the template was used.
func (d *Desk) AnswerTicket(ctx context.Context, id, due string) (usedTemplate bool, err error) {
	t, ok := d.Ticket(id)
	if !ok {
		return false, fmt.Errorf("supportdesk: no ticket %s", id)
	}
	text := fmt.Sprintf("Good news about request %s: the team accepted the task, due date %s.", t.ID, due)
	_, err = d.Client.Send(ctx, d.PhoneNumberID, whatsapp.Message{To: t.Customer, Content: whatsapp.Text{Body: text}})
	if err == nil || !errors.Is(err, whatsapp.ErrWindowClosed) {
		return false, err
	}
	tpl, err := TicketTemplate.Build(whatsapp.TemplateValues{
		Body:    []string{t.ID, due},
		Buttons: []whatsapp.TemplateComponent{whatsapp.QuickReplyButton(0, choiceHuman)},
	})
	if err != nil {
		return false, err
	}
	res, err := d.Client.Send(ctx, d.PhoneNumberID, whatsapp.Message{To: t.Customer, Content: tpl})
	if err != nil {
		return true, err
	}
	d.mu.Lock()
	d.tickets[id].MessageID = res.MessageID
	s := d.session(t.Customer)
	s.human, s.stage = false, ""
	s.history = append(s.history, "desk: template ticket_update")
	d.mu.Unlock()
	return true, nil
}
