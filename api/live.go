package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"parley"
)

// Hub wakes the live streams of a talk when an event is appended. It carries
// only event references; each stream reads the events itself, as its viewer,
// so the visibility rule applies unchanged.
type Hub struct {
	mu     sync.Mutex
	subs   map[int64]map[chan struct{}]struct{}
	reads  map[readKey]*read
	closed chan struct{}
}

// readKey names one read of a talk's events that all streams of one viewer
// class (see parley.ViewerClass) waiting at the same point can share.
type readKey struct {
	talk, after int64
	class       string
}

type read struct {
	done chan struct{}
	at   time.Time
	es   []*parley.Event
	err  error
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[int64]map[chan struct{}]struct{}{}, reads: map[readKey]*read{}, closed: make(chan struct{})}
}

// Publish wakes every stream of ref's talk. It never blocks.
func (h *Hub) Publish(ref parley.EventRef) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Reads of this talk are stale now; streams woken below read afresh.
	for k := range h.reads {
		if k.talk == ref.TalkID {
			delete(h.reads, k)
		}
	}
	for c := range h.subs[ref.TalkID] {
		select {
		case c <- struct{}{}:
		default: // already woken; it will read everything new
		}
	}
}

// Subscribe returns a channel woken on new events of talk, and a function to
// unsubscribe.
func (h *Hub) Subscribe(talk int64) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[talk] == nil {
		h.subs[talk] = map[chan struct{}]struct{}{}
	}
	h.subs[talk][c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs[talk], c)
		if len(h.subs[talk]) == 0 {
			delete(h.subs, talk)
		}
		h.mu.Unlock()
	}
}

// shared runs fn once for all callers with the same key while its result is
// fresh: the first caller reads, the others wait for its answer. With a
// thousand streams on a talk, one event costs one read per viewer class
// rather than one per stream.
func (h *Hub) shared(k readKey, fn func() ([]*parley.Event, error)) ([]*parley.Event, error) {
	h.mu.Lock()
	r, ok := h.reads[k]
	if ok && time.Since(r.at) > time.Second {
		ok = false
	}
	if !ok {
		if len(h.reads) > 100000 {
			clear(h.reads)
		}
		r = &read{done: make(chan struct{}), at: time.Now()}
		h.reads[k] = r
		h.mu.Unlock()
		r.es, r.err = fn()
		close(r.done)
		return r.es, r.err
	}
	h.mu.Unlock()
	<-r.done
	return r.es, r.err
}

// Streams returns how many live streams are open.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.subs {
		n += len(subs)
	}
	return n
}

// Done is closed when the hub closes, so streams end on shutdown.
func (h *Hub) Done() <-chan struct{} { return h.closed }

// Close ends all streams.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.closed:
	default:
		close(h.closed)
	}
}

// Stream writes talk's events after the Last-Event-ID header (or ?after=) as
// Server-Sent Events, as the request's user may see them, until the client
// leaves or the hub closes. format renders one event's data line.
func (s *Server) Stream(w http.ResponseWriter, r *http.Request, talkID int64, format func(*parley.Event) (string, string, error)) error {
	ctx := r.Context()
	if _, err := s.Talks.FindTalkByID(ctx, talkID); err != nil {
		return err
	}
	class := parley.ViewerClass(parley.UserFromContext(ctx))
	var after int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	} else if v := r.URL.Query().Get("after"); v != "" {
		after, _ = strconv.ParseInt(v, 10, 64)
	}
	wake, unsubscribe := s.Hub.Subscribe(talkID)
	defer unsubscribe()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	tick := time.NewTicker(s.Heartbeat)
	defer tick.Stop()
	for {
		for {
			es, err := s.Hub.shared(readKey{talkID, after, class}, func() ([]*parley.Event, error) {
				// Not the request's context: other streams wait on this read.
				c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				return s.Talks.ListEvents(c, talkID, after, 500)
			})
			if err != nil {
				return nil // the talk is gone from view or the client left; end the stream
			}
			for _, e := range es {
				name, data, err := format(e)
				if err != nil {
					return nil
				}
				if name != "" {
					fmt.Fprintf(w, "event: %s\n", name)
				}
				fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.Seq, data)
				after = e.Seq
			}
			if len(es) < 500 {
				break
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.Hub.Done():
			return nil
		case <-wake:
		case <-tick.C:
			// A comment keeps proxies from closing the stream, and the
			// re-read catches anything a lost notification missed.
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		// A session or token revoked, expired or of an account disabled
		// since the stream opened ends it before anything more is sent.
		if !s.stillSignedIn(ctx) {
			return nil
		}
	}
}

// stillSignedIn reports whether the credential the request was
// authenticated with is still valid and its account may still sign in.
func (s *Server) stillSignedIn(ctx context.Context) bool {
	sess, _ := ctx.Value(sessionKey).(*session)
	if sess == nil {
		return false
	}
	c, err := s.Credentials.FindCredential(ctx, sess.hash)
	if err != nil {
		return false
	}
	u, err := s.Users.FindUserByID(ctx, c.UserID)
	return err == nil && u.CanSignIn() == nil
}

// jsonEvent renders an event for the JSON stream.
func jsonEvent(e *parley.Event) (string, string, error) {
	b, err := json.Marshal(e)
	return "", string(b), err
}
