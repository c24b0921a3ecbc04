package whatsapp

import (
	"fmt"
	"iter"
	"net/url"
	"strings"

	"github.com/google/go-querystring/query"
)

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

// walkPages iterates over the items of successive pages, following the
// after cursor while the API announces a next page. It stops with an
// error if the API repeats a cursor.
func walkPages[T any](what string, fetch func(after string) ([]T, Paging, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{}
		after := ""
		for {
			items, paging, err := fetch(after)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			after = paging.Cursors.After
			if paging.Next == "" || after == "" {
				return
			}
			if seen[after] {
				yield(zero, fmt.Errorf("whatsapp: listing %s: the API returned the cursor %q twice", what, after))
				return
			}
			seen[after] = true
		}
	}
}

// fieldsQuery is the fields= query of a GET that selects fields; nil when
// none are given (the API's defaults).
func fieldsQuery(fields []string) url.Values {
	if len(fields) == 0 {
		return nil
	}
	return url.Values{"fields": {strings.Join(fields, ",")}}
}

// listQuery encodes an options struct with go-querystring; nil gives an
// empty query.
func listQuery[T any](opts *T) (url.Values, error) {
	if opts == nil {
		return url.Values{}, nil
	}
	q, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: %T: %w", opts, err)
	}
	return q, nil
}
