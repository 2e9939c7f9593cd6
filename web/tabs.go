package web

import (
	"fmt"

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
