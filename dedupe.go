package whatsapp

import (
	"context"
	"sync"
	"time"
)

// Deduper remembers which webhook items were processed, so that Meta's
// redeliveries (at least once, fanned out, retried for days) reach the
// callbacks once. Keys are built by the handler: a message's id, or a
// status's id and status. Each method is meant to be one atomic round trip
// to a shared store (on Redis: SET NX with a TTL, SET with a TTL, DEL).
// Implementations must be safe for concurrent use.
type Deduper interface {
	// Claim reserves key for processing. It reports false when the key was
	// already processed (and not yet expired) or is being processed by
	// someone else: the item is then a duplicate and is skipped. A claim
	// should expire by itself after a while, in case its holder dies.
	Claim(ctx context.Context, key string) (bool, error)
	// Done records that key was processed: later claims report false until
	// the store's retention passes.
	Done(ctx context.Context, key string) error
	// Release drops a claim whose processing failed, so that Meta's
	// redelivery of the item reaches the callback again.
	Release(ctx context.Context, key string) error
}

// Defaults of NewMemoryDeduper.
const (
	DefaultDedupeSize = 100_000
	DefaultDedupeTTL  = 24 * time.Hour
)

// MemoryDeduper is the default Deduper: an in-process LRU of at most size
// keys, each remembered for ttl after it is done. The zero value uses the
// defaults (DefaultDedupeSize, DefaultDedupeTTL). Concurrent claims of one
// key succeed exactly once. It forgets everything when the process exits
// and is not shared between replicas: use a shared store (Redis) when
// several processes receive the same webhooks.
type MemoryDeduper struct {
	mu         sync.Mutex
	size       int
	ttl        time.Duration
	m          map[string]*dedupeEntry
	head, tail *dedupeEntry // most recently used first
}

type dedupeEntry struct {
	key        string
	done       bool
	expires    time.Time
	prev, next *dedupeEntry
}

// NewMemoryDeduper returns a MemoryDeduper holding at most size keys
// (DefaultDedupeSize when size <= 0), each remembered for ttl after it is
// done (DefaultDedupeTTL when ttl <= 0). When full, the least recently used
// key is forgotten first; keep size well above the number of items in
// flight at once.
func NewMemoryDeduper(size int, ttl time.Duration) *MemoryDeduper {
	if size <= 0 {
		size = DefaultDedupeSize
	}
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	return &MemoryDeduper{size: size, ttl: ttl, m: make(map[string]*dedupeEntry, min(size, 1024))}
}

// init applies the defaults to a zero MemoryDeduper; d.mu is held.
func (d *MemoryDeduper) init() {
	if d.m != nil {
		return
	}
	if d.size <= 0 {
		d.size = DefaultDedupeSize
	}
	if d.ttl <= 0 {
		d.ttl = DefaultDedupeTTL
	}
	d.m = make(map[string]*dedupeEntry, min(d.size, 1024))
}

// Claim implements Deduper. It never returns an error.
func (d *MemoryDeduper) Claim(_ context.Context, key string) (bool, error) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	if e := d.m[key]; e != nil {
		if !e.done || now.Before(e.expires) {
			return false, nil
		}
		e.done = false // expired: process it again
		d.moveFront(e)
		return true, nil
	}
	e := &dedupeEntry{key: key}
	d.m[key] = e
	d.pushFront(e)
	for len(d.m) > d.size {
		d.remove(d.tail)
	}
	return true, nil
}

// Done implements Deduper. It never returns an error.
func (d *MemoryDeduper) Done(_ context.Context, key string) error {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	expires := now.Add(d.ttl)
	e := d.m[key]
	if e == nil {
		e = &dedupeEntry{key: key}
		d.m[key] = e
		d.pushFront(e)
		for len(d.m) > d.size {
			d.remove(d.tail)
		}
	} else {
		d.moveFront(e)
	}
	e.done, e.expires = true, expires
	return nil
}

// Release implements Deduper. It never returns an error.
func (d *MemoryDeduper) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.m[key]; e != nil && !e.done {
		d.remove(e)
	}
	return nil
}

// Len returns the number of keys remembered.
func (d *MemoryDeduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.m)
}

func (d *MemoryDeduper) pushFront(e *dedupeEntry) {
	e.prev, e.next = nil, d.head
	if d.head != nil {
		d.head.prev = e
	}
	d.head = e
	if d.tail == nil {
		d.tail = e
	}
}

func (d *MemoryDeduper) unlink(e *dedupeEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		d.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		d.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (d *MemoryDeduper) moveFront(e *dedupeEntry) {
	if d.head == e {
		return
	}
	d.unlink(e)
	d.pushFront(e)
}

func (d *MemoryDeduper) remove(e *dedupeEntry) {
	d.unlink(e)
	delete(d.m, e.key)
}
