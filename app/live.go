package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"parley"
)

// Hub wakes the live streams of a talk when an event is appended. It carries
// only event references; each stream reads the events itself, as its viewer,
// so the visibility rule applies unchanged. An event of a party's private
// chain wakes only the streams of that party's delegates: others cannot even
// tell, by a wake-up, that something was written.
type Hub struct {
	mu sync.Mutex
	// subs holds, per talk, each stream's channel and its viewer's party
	// in the talk (0 for none).
	subs   map[int64]map[chan struct{}]int64
	reads  map[readKey]*read
	closed chan struct{}
}

// readKey names one read of a talk's events that all streams of one viewer
// class (see parley.ViewerClass) waiting at the same point can share.
type readKey struct {
	talk, after int64
	class       string
	// chain is 0 for the shared chain, else the party whose private chain is read.
	chain int64
}

type read struct {
	done chan struct{}
	at   time.Time
	es   []*parley.Event
	err  error
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[int64]map[chan struct{}]int64{}, reads: map[readKey]*read{}, closed: make(chan struct{})}
}

// Publish wakes the streams of ref's talk that may read ref: all of them
// for the shared chain, only its party's for a private chain. It never
// blocks.
func (h *Hub) Publish(ref parley.EventRef) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// Reads of this chain are stale now; streams woken below read afresh.
	for k := range h.reads {
		if k.talk == ref.TalkID && k.chain == ref.Private {
			delete(h.reads, k)
		}
	}
	for c, party := range h.subs[ref.TalkID] {
		if ref.Private != 0 && party != ref.Private {
			continue
		}
		select {
		case c <- struct{}{}:
		default: // already woken; it will read everything new
		}
	}
}

// WakeAll wakes every stream of every talk to read from its last event. Call
// it when announcements may have been lost, as when the connection that
// hears other nodes' events comes back. It never blocks.
func (h *Hub) WakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.reads)
	for _, subs := range h.subs {
		for c := range subs {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
}

// Subscribe returns a channel woken on new events of talk's shared chain and
// of party's private chain (party 0: none), and a function to unsubscribe.
func (h *Hub) Subscribe(talk, party int64) (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[talk] == nil {
		h.subs[talk] = map[chan struct{}]int64{}
	}
	h.subs[talk][c] = party
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
// leaves or the hub closes. format renders one event's data line. A
// delegate of a party in the talk also receives its party's private events,
// merged in time order; the event id is then "shared-private", the last seq
// of each chain.
func (a *App) Stream(w http.ResponseWriter, r *http.Request, talkID int64, format func(*parley.Event) (string, string, error)) error {
	ctx := r.Context()
	t, err := a.Talks.FindTalkByID(ctx, talkID)
	if err != nil {
		return err
	}
	u := parley.UserFromContext(ctx)
	class := parley.ViewerClass(u)
	var party int64
	if _, ok := t.Party(u.PartyID); ok {
		party = u.PartyID
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("after")
	}
	sharedPart, privatePart, _ := strings.Cut(last, "-")
	after, _ := strconv.ParseInt(sharedPart, 10, 64)
	afterPrivate, _ := strconv.ParseInt(privatePart, 10, 64)
	wake, unsubscribe := a.Hub.Subscribe(talkID, party)
	defer unsubscribe()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	tick := time.NewTicker(a.Heartbeat)
	defer tick.Stop()
	read := func(k readKey, list func(context.Context) ([]*parley.Event, error)) ([]*parley.Event, error) {
		return a.Hub.shared(k, func() ([]*parley.Event, error) {
			// Not the request's context: other streams wait on this read.
			c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return list(c)
		})
	}
	for {
		for {
			es, err := read(readKey{talkID, after, class, 0}, func(c context.Context) ([]*parley.Event, error) {
				return a.Talks.ListEvents(c, talkID, after, 500)
			})
			if err != nil {
				return nil // the talk is gone from view or the client left; end the stream
			}
			var ps []*parley.Event
			if party != 0 {
				ap := afterPrivate
				ps, err = read(readKey{talkID, ap, "private", party}, func(c context.Context) ([]*parley.Event, error) {
					return a.Talks.ListPrivateEvents(c, talkID, ap, 500)
				})
				if err != nil {
					return nil
				}
			}
			for _, e := range mergeByTime(es, ps) {
				name, data, err := format(e)
				if err != nil {
					return nil
				}
				if name != "" {
					fmt.Fprintf(w, "event: %s\n", name)
				}
				if e.PrivateTo != 0 && e.V != 0 {
					afterPrivate = e.Seq
				} else {
					after = e.Seq
				}
				id := strconv.FormatInt(after, 10)
				if party != 0 {
					id += "-" + strconv.FormatInt(afterPrivate, 10)
				}
				fmt.Fprintf(w, "id: %s\ndata: %s\n\n", id, data)
			}
			if len(es) < 500 && len(ps) < 500 {
				break
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.Hub.Done():
			return nil
		case <-wake:
		case <-tick.C:
			// A comment keeps proxies from closing the stream, and the
			// re-read catches anything a lost notification missed.
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		// A session or token revoked, expired or of an account disabled
		// since the stream opened ends it before anything more is sent.
		if !a.stillSignedIn(ctx) {
			return nil
		}
	}
}

// stillSignedIn reports whether the credential the request was
// authenticated with is still valid and its account may still sign in.
func (a *App) stillSignedIn(ctx context.Context) bool {
	sess, _ := ctx.Value(sessionKey).(*session)
	if sess == nil {
		return false
	}
	c, err := a.Credentials.FindCredential(ctx, sess.hash)
	if err != nil {
		return false
	}
	u, err := a.Users.FindUserByID(ctx, c.UserID)
	return err == nil && u.CanSignIn() == nil
}

// mergeByTime merges two chains' events, each in seq order, by time.
func mergeByTime(a, b []*parley.Event) []*parley.Event {
	if len(b) == 0 {
		return a
	}
	out := make([]*parley.Event, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Time.Before(a[0].Time) {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}
