package parley_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"parley"
)

// viewer describes one kind of user relative to a talk.
type viewer struct {
	admin, mediatesTalk, mediatorAccount bool
	standing                             parley.Standing // "" : party not in the talk
	accepted                             bool
	noParty                              bool
	role                                 parley.Role
}

func (v viewer) String() string {
	return fmt.Sprintf("admin=%v mediates=%v mediatorAccount=%v noParty=%v standing=%q accepted=%v role=%q",
		v.admin, v.mediatesTalk, v.mediatorAccount, v.noParty, v.standing, v.accepted, v.role)
}

// allViewers enumerates every combination of the attributes the rule may look at.
func allViewers() []viewer {
	var vs []viewer
	bools := []bool{false, true}
	for _, admin := range bools {
		for _, med := range bools {
			for _, medAcct := range bools {
				for _, noParty := range bools {
					standings := []parley.Standing{"", parley.StandingMember, parley.StandingObserver, parley.StandingStakeholder}
					roles := []parley.Role{parley.RoleHead, parley.RoleNegotiator, parley.RoleObserver}
					if noParty {
						standings, roles = []parley.Standing{""}, []parley.Role{""}
					}
					for _, s := range standings {
						for _, acc := range bools {
							if s == "" && acc {
								continue
							}
							for _, r := range roles {
								vs = append(vs, viewer{admin, med, medAcct, s, acc, noParty, r})
							}
						}
					}
				}
			}
		}
	}
	return vs
}

// setup builds a talk between parties 1 and 2, with the viewer's party 7
// placed according to v, and returns the user and the talk.
func setup(v viewer) (*parley.User, *parley.Talk) {
	u := &parley.User{ID: 100, Name: "v", Admin: v.admin, Mediator: v.mediatorAccount}
	if !v.noParty {
		u.PartyID, u.Role = 7, v.role
	}
	t := &parley.Talk{ID: 1, Title: "t", Parties: []parley.TalkParty{
		{PartyID: 1, Standing: parley.StandingMember, Accepted: true},
		{PartyID: 2, Standing: parley.StandingMember, Accepted: true},
	}}
	if v.standing != "" {
		t.Parties = append(t.Parties, parley.TalkParty{PartyID: 7, Standing: v.standing, Accepted: v.accepted})
	}
	if v.mediatesTalk {
		t.MediatorIDs = []int64{100}
	}
	return u, t
}

// TestTalkRuleExhaustive checks every kind of viewer against the rule as the
// issue states it, phrased independently of the implementation.
func TestTalkRuleExhaustive(t *testing.T) {
	n := 0
	for _, v := range allViewers() {
		u, talk := setup(v)
		inTalk := v.standing != ""
		mediator := v.mediatesTalk && v.mediatorAccount // listed as mediator and holds a mediator account
		// An invited party sees only the invitation until it takes its seat.
		wantSee := v.admin || mediator || inTalk && v.accepted
		if got, want := parley.CanSeeInvitation(u, talk), inTalk && !v.accepted && !v.noParty; got != want {
			t.Errorf("%v: CanSeeInvitation = %v, want %v", v, got, want)
		}
		wantAct := mediator ||
			(inTalk && v.accepted && v.standing != parley.StandingObserver &&
				(v.role == parley.RoleHead || v.role == parley.RoleNegotiator))
		wantManage := v.admin || mediator ||
			(v.standing == parley.StandingMember && v.accepted && v.role == parley.RoleHead)
		if got := parley.CanSeeTalk(u, talk); got != wantSee {
			t.Errorf("%v: CanSeeTalk = %v, want %v", v, got, wantSee)
		}
		if got := parley.CanActInTalk(u, talk); got != wantAct {
			t.Errorf("%v: CanActInTalk = %v, want %v", v, got, wantAct)
		}
		if got := parley.CanManageTalk(u, talk); got != wantManage {
			t.Errorf("%v: CanManageTalk = %v, want %v", v, got, wantManage)
		}
		wantAccept := v.standing != "" && !v.accepted && v.role == parley.RoleHead && !v.noParty
		if got := parley.CanAcceptInvitation(u, talk); got != wantAccept {
			t.Errorf("%v: CanAcceptInvitation = %v, want %v", v, got, wantAccept)
		}
		// Signing off is the head's act (issue 9, item 2): not a negotiator's.
		wantSignOff := !v.noParty && inTalk && v.accepted && v.standing != parley.StandingObserver &&
			v.role == parley.RoleHead
		if got := parley.CanSignOff(u, talk); got != wantSignOff {
			t.Errorf("%v: CanSignOff = %v, want %v", v, got, wantSignOff)
		}
		// Private items: only the owning party's delegation, whatever else the viewer is.
		for _, owner := range []int64{0, 1, 7} {
			want := owner == 0 || (!v.noParty && owner == 7)
			if got := parley.CanSeePrivate(u, owner); got != want {
				t.Errorf("%v: CanSeePrivate(owner %d) = %v, want %v", v, owner, got, want)
			}
		}
		n++
	}
	if n < 150 {
		t.Fatalf("only %d viewer kinds enumerated", n)
	}
	var nilTalk *parley.Talk
	if parley.CanSeeTalk(nil, &parley.Talk{}) || parley.CanSeeTalk(&parley.User{Admin: true}, nilTalk) ||
		parley.CanSeePrivate(nil, 1) || parley.CanCreateTalk(nil) || parley.CanActInTalk(nil, &parley.Talk{}) {
		t.Fatal("a missing user or talk must see nothing")
	}
}

func TestCanCreateTalk(t *testing.T) {
	tests := []struct {
		name string
		u    parley.User
		want bool
	}{
		{"admin", parley.User{Admin: true}, true},
		{"mediator", parley.User{Mediator: true}, true},
		{"head", parley.User{PartyID: 1, Role: parley.RoleHead}, true},
		{"negotiator", parley.User{PartyID: 1, Role: parley.RoleNegotiator}, false},
		{"observer", parley.User{PartyID: 1, Role: parley.RoleObserver}, false},
		{"no party no role", parley.User{}, false},
	}
	for _, tt := range tests {
		if got := parley.CanCreateTalk(&tt.u); got != tt.want {
			t.Errorf("%s: CanCreateTalk = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestVisibleEventRedactsOtherPartiesPrivatePayload(t *testing.T) {
	e := &parley.Event{Seq: 1, PrivateTo: 1, Payload: json.RawMessage(`{"reservation":0.4}`), PayloadHash: "h"}
	own := parley.VisibleEvent(&parley.User{PartyID: 1}, e)
	if own.Payload == nil || own.Redacted {
		t.Error("own party cannot read its private payload")
	}
	for _, u := range []*parley.User{{PartyID: 2}, {Admin: true}, {Mediator: true}, nil} {
		got := parley.VisibleEvent(u, e)
		if got.Payload != nil || !got.Redacted || got.PayloadHash != "h" {
			t.Errorf("viewer %+v: got %+v, want payload withheld and hash kept", u, got)
		}
	}
	if e.Payload == nil {
		t.Error("VisibleEvent modified its argument")
	}
}

// TestViewerClassGroupsOnlyAlikeViewers checks, over every kind of viewer,
// that two users in one class get the same answer from every rule.
func TestViewerClassGroupsOnlyAlikeViewers(t *testing.T) {
	vs := allViewers()
	for i, a := range vs {
		for _, b := range vs[i+1:] {
			ua, ta := setup(a)
			ub, tb := setup(b)
			ub.ID = 101 // a different person
			if parley.ViewerClass(ua) != parley.ViewerClass(ub) {
				continue
			}
			// Same class: every talk must look the same to both.
			for _, tk := range []*parley.Talk{ta, tb} {
				if parley.CanSeeTalk(ua, tk) != parley.CanSeeTalk(ub, tk) {
					t.Errorf("%v and %v share class %s but CanSeeTalk differs", a, b, parley.ViewerClass(ua))
				}
			}
			for _, owner := range []int64{0, 1, 7} {
				if parley.CanSeePrivate(ua, owner) != parley.CanSeePrivate(ub, owner) {
					t.Errorf("%v and %v share class %s but CanSeePrivate(%d) differs", a, b, parley.ViewerClass(ua), owner)
				}
			}
		}
	}
}

func TestCanSetPartyKey(t *testing.T) {
	tests := []struct {
		name string
		u    *parley.User
		want bool
	}{
		{"admin", &parley.User{Admin: true}, true},
		{"own head", &parley.User{PartyID: 1, Role: parley.RoleHead}, true},
		{"own negotiator", &parley.User{PartyID: 1, Role: parley.RoleNegotiator}, false},
		{"other head", &parley.User{PartyID: 2, Role: parley.RoleHead}, false},
		{"mediator", &parley.User{Mediator: true}, false},
		{"anonymous", nil, false},
	}
	for _, tt := range tests {
		if got := parley.CanSetPartyKey(tt.u, 1); got != tt.want {
			t.Errorf("%s: CanSetPartyKey = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestInvitedPartyHasNoSayUntilSeated: a party invited to a talk but not
// yet seated sees only the title and holds up no adoption.
func TestInvitedPartyHasNoSayUntilSeated(t *testing.T) {
	talk := &parley.Talk{ID: 1, Title: "Fisheries", Description: "quotas", Parties: []parley.TalkParty{
		{PartyID: 1, Standing: parley.StandingMember, Accepted: true},
		{PartyID: 2, Standing: parley.StandingMember, Accepted: false},
	}}
	invitee := &parley.User{ID: 5, PartyID: 2, Role: parley.RoleHead}
	if parley.CanSeeTalk(invitee, talk) || !parley.CanSeeInvitation(invitee, talk) {
		t.Error("an invited party sees the talk, or not its invitation")
	}
	if v := parley.InvitationView(invitee, talk); v.Description != "" || len(v.Parties) != 1 {
		t.Errorf("the invitation shows %+v; want the title alone", v)
	}
	st := &parley.Statement{Signatures: []parley.StatementSignature{{PartyID: 1}}}
	if got := st.AwaitingSignature(talk); len(got) != 0 {
		t.Errorf("adoption awaits %v; an invited party has no veto", got)
	}
}
