package whatsapptest

import (
	"time"

	"github.com/wacloud/whatsapp"
)

// checkLimitsLocked applies the throughput and pair rate limits, when
// enabled.
func (s *Server) checkLimitsLocked(pnid, to string, now time.Time) *apiError {
	return nil
}

// checkTemplateLocked checks a template send against the server's
// templates, and returns the template's category in lower case.
func (s *Server) checkTemplateLocked(pnid string, t *whatsapp.Template) (string, *apiError) {
	return "utility", nil
}

// templateButtonText returns the text of button index of the template t
// refers to, or "".
func (s *Server) templateButtonText(pnid string, t whatsapp.Template, index int) string {
	return ""
}
