package web

import (
	"context"
	"fmt"
	"strconv"

	"parley"
)

// talkTab is one tab of a talk's pages. A new part of a talk (negotiations,
// say) is one more entry in talkTabs.
type talkTab struct {
	// Key names the tab: pages pass it to say which tab they are under, and
	// it makes the link's id, tab-<Key>.
	Key, Label string
	// Path follows /talks/{id}.
	Path string
	// Show, when set, says whether u sees the tab in t.
	Show func(u *parley.User, t *parley.Talk) bool
}

var talkTabs = []talkTab{
	{Key: "overview", Label: "Overview", Path: ""},
	{Key: "irritants", Label: "Irritants", Path: "/irritants"},
	{Key: "rounds", Label: "Rounds", Path: "/rounds"},
	{Key: "statements", Label: "Statements", Path: "/joint-statements"},
	{Key: "negotiations", Label: "Negotiations", Path: "/negotiations"},
}

// talkNav is the title, tabs and main action shown above every page of a talk.
type talkNav struct {
	TalkID    int64
	TalkTitle string
	Tabs      []tabLink
	CanRaise  bool
}

type tabLink struct {
	Key, Label, Href string
	Current          bool
}

func newTalkNav(u *parley.User, t *parley.Talk, current string) *talkNav {
	n := &talkNav{TalkID: t.ID, TalkTitle: t.Title, CanRaise: parley.CanRaiseIrritant(u, t)}
	for _, tab := range talkTabs {
		if tab.Show != nil && !tab.Show(u, t) {
			continue
		}
		n.Tabs = append(n.Tabs, tabLink{Key: tab.Key, Label: tab.Label, Href: fmt.Sprintf("/talks/%d%s", t.ID, tab.Path), Current: tab.Key == current})
	}
	return n
}

// feedAfter is where a page's live stream starts: after the talk's last
// event and, for a delegate of a party in the talk, after the last event of
// the party's private chain, which the stream merges in; without it the
// stream would replay the private chain as new activity.
func (s *Server) feedAfter(ctx context.Context, u *parley.User, t *parley.Talk) (string, error) {
	after := strconv.FormatInt(t.LastSeq, 10)
	if _, ok := t.Party(u.PartyID); !ok {
		return after, nil
	}
	var last int64
	for {
		page, err := s.app.Talks.ListPrivateEvents(ctx, t.ID, last, 1000)
		if err != nil {
			return "", err
		}
		if n := len(page); n > 0 {
			last = page[n-1].Seq
		}
		if len(page) < 1000 {
			return after + "-" + strconv.FormatInt(last, 10), nil
		}
	}
}
