package postgres

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"parley"
)

func TestParseNote(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []parley.EventRef
	}{
		{"7:3", []parley.EventRef{{TalkID: 7, Seq: 3}}},
		{"7:3:2", []parley.EventRef{{TalkID: 7, Seq: 3, Private: 2}}},
		{"7:3 7:4 9:1", []parley.EventRef{{TalkID: 7, Seq: 3}, {TalkID: 7, Seq: 4}, {TalkID: 9, Seq: 1}}},
		{"7:x 7:4 :: 1:2:3:4 credentials", []parley.EventRef{{TalkID: 7, Seq: 4}}},
		{"", nil},
	} {
		if got := parseNote(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseNote(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// FuzzParseNote: whatever arrives on the channel, parsing does not panic,
// gives at most one reference per space-separated field, and what it gives,
// written again, parses to the same.
func FuzzParseNote(f *testing.F) {
	f.Add("7:3 7:4:1")
	f.Add("credentials")
	f.Fuzz(func(t *testing.T, payload string) {
		refs := parseNote(payload)
		if len(refs) > len(strings.Fields(payload)) {
			t.Fatalf("%q gave %d references", payload, len(refs))
		}
		var again []string
		for _, r := range refs {
			ref := strconv.FormatInt(r.TalkID, 10) + ":" + strconv.FormatInt(r.Seq, 10)
			if r.Private != 0 {
				ref += ":" + strconv.FormatInt(r.Private, 10)
			}
			again = append(again, ref)
		}
		if got := parseNote(strings.Join(again, " ")); !reflect.DeepEqual(got, refs) {
			t.Errorf("%q gave %+v, which written again gives %+v", payload, refs, got)
		}
	})
}
