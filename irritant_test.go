package parley_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"parley"
)

// irritantWorld is a talk between US (1), RU (2) and GB (3) as members, SA (4)
// observing and UA (5) affected, and an irritant US raised toward RU.
func irritantWorld() (t *parley.Talk, i *parley.Irritant, users map[string]*parley.User) {
	t = &parley.Talk{ID: 1, Parties: []parley.TalkParty{
		{PartyID: 1, Standing: parley.StandingMember, Accepted: true},
		{PartyID: 2, Standing: parley.StandingMember, Accepted: true},
		{PartyID: 3, Standing: parley.StandingMember, Accepted: true},
		{PartyID: 4, Standing: parley.StandingObserver, Accepted: true},
		{PartyID: 5, Standing: parley.StandingStakeholder, Accepted: true},
	}, MediatorIDs: []int64{50}}
	i = &parley.Irritant{ID: 9, TalkID: 1, RaisedBy: 1, Toward: []int64{2}, Title: "Embassy staffing", Status: parley.IrritantRaised}
	users = map[string]*parley.User{
		"us-head": {ID: 10, PartyID: 1, Role: parley.RoleHead},
		"us-neg":  {ID: 11, PartyID: 1, Role: parley.RoleNegotiator},
		"us-obs":  {ID: 12, PartyID: 1, Role: parley.RoleObserver},
		"ru-head": {ID: 20, PartyID: 2, Role: parley.RoleHead},
		"gb-head": {ID: 30, PartyID: 3, Role: parley.RoleHead},
		"sa-head": {ID: 40, PartyID: 4, Role: parley.RoleHead},
		"ua-head": {ID: 41, PartyID: 5, Role: parley.RoleHead},
		"med":     {ID: 50, Mediator: true},
		"admin":   {ID: 60, Admin: true},
	}
	return t, i, users
}

// legal is the lifecycle the issue asks for, written out again so a change
// to the table in the package has to be made twice, on purpose.
var legal = map[parley.IrritantStatus][]parley.IrritantStatus{
	"raised":           {"acknowledged", "dormant", "archived"},
	"acknowledged":     {"in_consultation", "deadlocked", "dormant", "archived"},
	"in_consultation":  {"resolved_in_part", "resolved", "deadlocked", "dormant", "archived"},
	"resolved_in_part": {"in_consultation", "resolved", "deadlocked", "dormant", "archived"},
	"deadlocked":       {"escalated", "in_consultation", "dormant", "archived"},
	"escalated":        {"in_consultation", "dormant", "archived"},
	"dormant":          {"in_consultation", "archived"},
	"resolved":         {"archived"},
	"archived":         {},
}

// TestIrritantEveryMove tries every status against every status, as a party
// to the irritant allowed to make the move, and checks that exactly the legal
// moves pass and that a refusal names the legal moves.
func TestIrritantEveryMove(t *testing.T) {
	if len(legal) != len(parley.IrritantStatuses) {
		t.Fatalf("%d statuses in the test, %d in the package", len(legal), len(parley.IrritantStatuses))
	}
	for _, from := range parley.IrritantStatuses {
		for _, to := range parley.IrritantStatuses {
			talk, irr, us := irritantWorld()
			irr.Status = from
			u := us["us-head"]
			if to == parley.IrritantAcknowledged {
				u = us["ru-head"] // only the party it is raised toward acknowledges
			}
			m := parley.IrritantMove{To: to, Reason: "because"}
			if to == parley.IrritantEscalated {
				m.EscalatedTo = "Presidential summit"
			}
			err := parley.CheckMove(u, talk, irr, m)
			want := slices.Contains(legal[from], to)
			if (err == nil) != want {
				t.Errorf("%s → %s: %v, want legal=%v", from, to, err, want)
				continue
			}
			if err != nil {
				if parley.ErrorCode(err) != parley.ECONFLICT {
					t.Errorf("%s → %s: code %s, want conflict (as for rounds)", from, to, parley.ErrorCode(err))
				}
				msg := parley.ErrorMessage(err)
				for _, n := range legal[from] {
					if !strings.Contains(msg, n.Label()) {
						t.Errorf("%s → %s: message %q does not name the legal move %q", from, to, msg, n.Label())
					}
				}
				continue
			}
			moved := irr.Apply(u, m, time.Unix(100, 0))
			if to == parley.IrritantResolved {
				if moved || irr.Status != from {
					t.Errorf("%s → resolved by one party of two: moved=%v status %s; want waiting for the other party", from, moved, irr.Status)
				}
			} else if !moved || irr.Status != to || irr.StatusReason != "because" {
				t.Errorf("%s → %s: moved=%v status %s reason %q", from, to, moved, irr.Status, irr.StatusReason)
			}
		}
	}
	if got := parley.IrritantStatus("bogus").Valid(); got {
		t.Error("bogus status is valid")
	}
}

func TestIrritantResolutionNeedsEveryParty(t *testing.T) {
	talk, irr, us := irritantWorld()
	irr.Toward = []int64{2, 3}
	irr.Status = parley.IrritantInConsultation
	resolve := parley.IrritantMove{To: parley.IrritantResolved, Reason: "exchange of notes"}
	for _, step := range []struct {
		who      string
		code     string
		moved    bool
		awaiting []int64
	}{
		{"med", parley.EFORBIDDEN, false, []int64{1, 2, 3}},     // a mediator is no party to it
		{"sa-head", parley.EFORBIDDEN, false, []int64{1, 2, 3}}, // observers do not act
		{"us-neg", "", false, []int64{2, 3}},
		{"us-head", parley.ECONFLICT, false, []int64{2, 3}}, // the same party twice
		{"ru-head", "", false, []int64{3}},
		{"gb-head", "", true, nil},
	} {
		err := parley.CheckMove(us[step.who], talk, irr, resolve)
		if parley.ErrorCode(err) != step.code {
			t.Fatalf("%s confirms: %v, want %q", step.who, err, step.code)
		}
		if err == nil {
			if moved := irr.Apply(us[step.who], resolve, time.Unix(100, 0)); moved != step.moved {
				t.Fatalf("%s confirms: moved=%v, want %v", step.who, moved, step.moved)
			}
		}
		if got := irr.AwaitingConfirmation(); !slices.Equal(got, step.awaiting) {
			t.Fatalf("after %s: awaiting %v, want %v", step.who, got, step.awaiting)
		}
	}
	if irr.Status != parley.IrritantResolved || len(irr.Confirmations) != 3 {
		t.Fatalf("status %s with %d confirmations, want resolved with 3", irr.Status, len(irr.Confirmations))
	}
	// Going back to consultation forgets earlier confirmations.
	talk, irr, us = irritantWorld()
	irr.Status = parley.IrritantInConsultation
	irr.Apply(us["us-head"], resolve, time.Unix(1, 0))
	irr.Apply(us["us-head"], parley.IrritantMove{To: parley.IrritantResolvedInPart}, time.Unix(2, 0))
	if len(irr.Confirmations) != 0 {
		t.Errorf("confirmations survive a move to resolved in part: %v", irr.Confirmations)
	}
	if err := parley.CheckMove(us["ru-head"], talk, irr, resolve); err != nil {
		t.Fatal(err)
	}
	if irr.Apply(us["ru-head"], resolve, time.Unix(3, 0)) {
		t.Error("resolved on one confirmation after the earlier ones were cleared")
	}
}

func TestIrritantMoveRules(t *testing.T) {
	for _, tt := range []struct {
		name string
		from parley.IrritantStatus
		who  string
		move parley.IrritantMove
		code string
	}{
		{"raiser acknowledges", "raised", "us-head", parley.IrritantMove{To: "acknowledged"}, parley.EFORBIDDEN},
		{"target acknowledges", "raised", "ru-head", parley.IrritantMove{To: "acknowledged"}, ""},
		{"other member acknowledges", "raised", "gb-head", parley.IrritantMove{To: "acknowledged"}, parley.EFORBIDDEN},
		{"mediator acknowledges", "raised", "med", parley.IrritantMove{To: "acknowledged"}, parley.EFORBIDDEN},
		{"mediator opens consultation", "acknowledged", "med", parley.IrritantMove{To: "in_consultation"}, ""},
		{"non-party member moves", "acknowledged", "gb-head", parley.IrritantMove{To: "in_consultation"}, parley.EFORBIDDEN},
		{"delegation observer moves", "acknowledged", "us-obs", parley.IrritantMove{To: "in_consultation"}, parley.EFORBIDDEN},
		{"stakeholder moves", "acknowledged", "ua-head", parley.IrritantMove{To: "in_consultation"}, parley.EFORBIDDEN},
		{"admin moves", "acknowledged", "admin", parley.IrritantMove{To: "in_consultation"}, parley.EFORBIDDEN},
		{"deadlock without reason", "in_consultation", "us-neg", parley.IrritantMove{To: "deadlocked"}, parley.EINVALID},
		{"deadlock with reason", "in_consultation", "us-neg", parley.IrritantMove{To: "deadlocked", Reason: "no movement on property"}, ""},
		{"escalate without target", "deadlocked", "us-head", parley.IrritantMove{To: "escalated", Reason: "stuck"}, parley.EINVALID},
		{"escalate", "deadlocked", "ru-head", parley.IrritantMove{To: "escalated", Reason: "stuck", EscalatedTo: "Round 3, Istanbul"}, ""},
		{"escalated_to elsewhere", "acknowledged", "us-head", parley.IrritantMove{To: "in_consultation", EscalatedTo: "x"}, parley.EINVALID},
		{"dormant without reason", "raised", "us-head", parley.IrritantMove{To: "dormant"}, parley.EINVALID},
		{"archive with reason", "raised", "us-head", parley.IrritantMove{To: "archived", Reason: "withdrawn"}, ""},
		{"unknown status", "raised", "us-head", parley.IrritantMove{To: "closed"}, parley.EINVALID},
		{"move an archived one", "archived", "us-head", parley.IrritantMove{To: "in_consultation"}, parley.ECONFLICT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			talk, irr, us := irritantWorld()
			irr.Status = tt.from
			err := parley.CheckMove(us[tt.who], talk, irr, tt.move)
			if parley.ErrorCode(err) != tt.code {
				t.Errorf("CheckMove = %v, want %q", err, tt.code)
			}
		})
	}
	talk, irr, us := irritantWorld()
	irr.Status = parley.IrritantDeadlocked
	m := parley.IrritantMove{To: parley.IrritantEscalated, Reason: "stuck", EscalatedTo: "Presidential summit"}
	if err := parley.CheckMove(us["us-head"], talk, irr, m); err != nil {
		t.Fatal(err)
	}
	irr.Apply(us["us-head"], m, time.Unix(5, 0))
	if irr.Status != parley.IrritantEscalated || irr.EscalatedTo != "Presidential summit" {
		t.Errorf("escalation: status %s to %q", irr.Status, irr.EscalatedTo)
	}
}

func TestIrritantValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*parley.Irritant)
		ok   bool
	}{
		{"fine", func(*parley.Irritant) {}, true},
		{"no title", func(i *parley.Irritant) { i.Title = " " }, false},
		{"toward nobody", func(i *parley.Irritant) { i.Toward = nil }, false},
		{"toward itself", func(i *parley.Irritant) { i.Toward = []int64{1} }, false},
		{"toward an observer", func(i *parley.Irritant) { i.Toward = []int64{4} }, false},
		{"toward an outsider", func(i *parley.Irritant) { i.Toward = []int64{99} }, false},
		{"toward twice", func(i *parley.Irritant) { i.Toward = []int64{2, 2} }, false},
		{"stakeholder", func(i *parley.Irritant) { i.Stakeholders = []int64{5} }, true},
		{"unknown stakeholder", func(i *parley.Irritant) { i.Stakeholders = []int64{99} }, false},
		{"bad priority", func(i *parley.Irritant) { i.Priority = "extreme" }, false},
		{"due date", func(i *parley.Irritant) { i.Due = "2026-03-31" }, true},
		{"bad due date", func(i *parley.Irritant) { i.Due = "31/03/2026" }, false},
	} {
		talk, irr, _ := irritantWorld()
		tt.edit(irr)
		err := irr.Validate(talk)
		if (err == nil) != tt.ok || err != nil && parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestMovesFor(t *testing.T) {
	talk, irr, us := irritantWorld()
	for _, tt := range []struct {
		who  string
		want []parley.IrritantStatus
	}{
		{"ru-head", []parley.IrritantStatus{"acknowledged", "dormant"}}, // archiving it unanswered would bury it
		{"us-head", []parley.IrritantStatus{"dormant", "archived"}},
		{"med", []parley.IrritantStatus{"dormant", "archived"}},
		{"gb-head", nil},
		{"sa-head", nil},
	} {
		if got := parley.MovesFor(us[tt.who], talk, irr); !slices.Equal(got, tt.want) {
			t.Errorf("%s on a raised irritant may make %v, want %v", tt.who, got, tt.want)
		}
	}
}

// TestRaisedIrritantNotArchivedByItsTarget: the party an irritant is raised
// toward cannot archive it unanswered; the party that raised it may
// withdraw it, and a mediator may archive it.
func TestRaisedIrritantNotArchivedByItsTarget(t *testing.T) {
	talk, i, users := irritantWorld()
	archive := parley.IrritantMove{To: parley.IrritantArchived, Reason: "closed"}
	if err := parley.CheckMove(users["ru-head"], talk, i, archive); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("the target archives a raised irritant: %v, want forbidden", err)
	}
	for _, who := range []string{"us-neg", "med"} {
		if err := parley.CheckMove(users[who], talk, i, archive); err != nil {
			t.Errorf("%s archives a raised irritant: %v", who, err)
		}
	}
	i.Status = parley.IrritantAcknowledged
	if err := parley.CheckMove(users["ru-head"], talk, i, archive); err != nil {
		t.Errorf("the target archives an acknowledged irritant: %v", err)
	}
}
