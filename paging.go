package whatsapp

// Paging holds the Graph API paging cursors of a list page. Next is empty
// on the last page.
type Paging struct {
	Cursors  Cursors `json:"cursors"`
	Next     string  `json:"next,omitempty"`
	Previous string  `json:"previous,omitempty"`
}

// Cursors are opaque paging positions.
type Cursors struct {
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}
