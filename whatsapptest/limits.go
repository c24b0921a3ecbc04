package whatsapptest

import (
	"time"
)

// checkLimitsLocked applies the throughput and pair rate limits, when
// enabled.
func (s *Server) checkLimitsLocked(pnid, to string, now time.Time) *apiError {
	if s.throughput != nil {
		if ok, _ := s.throughput.AllowAt(pnid, now); !ok {
			return &apiError{code: 130429, details: "Cloud API message throughput has been reached."}
		}
	}
	if s.pairs != nil {
		if ok, _ := s.pairs.AllowAt(pnid, to, now); !ok {
			return &apiError{code: 131056, details: "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."}
		}
	}
	return nil
}
