package sqlite_test

import (
	"encoding/json"
	"testing"
	"time"

	"parley"
	"parley/storetest"
)

// BenchmarkAppendEvent measures the store's part of recording one signed
// event, from several goroutines as the API would.
func BenchmarkAppendEvent(b *testing.B) {
	db := open(b)
	ctx := b.Context()
	p := &parley.Party{Name: "US"}
	if err := db.CreateParty(ctx, p); err != nil {
		b.Fatal(err)
	}
	k, _ := parley.GeneratePartyKey(p.ID, storetest.Secret, time.Now())
	db.SetPartyKey(ctx, k)
	u := &parley.User{Name: "h", PartyID: p.ID, Role: parley.RoleHead}
	db.CreateUser(ctx, u)
	uctx := parley.NewContextWithUser(ctx, u)
	t := &parley.Talk{Title: "t", Parties: []parley.TalkParty{{PartyID: p.ID, Standing: parley.StandingMember}}}
	if err := db.CreateTalk(uctx, t); err != nil {
		b.Fatal(err)
	}
	in := parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"load test statement"}`)}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.AppendEvent(uctx, t.ID, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
