package web_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parley"
	"parley/api"
	"parley/app"
	"parley/sqlite"
	"parley/web"
)

// TestInboxFollowsEveryKindOfEvent drives a talk through every kind of
// event the inbox shows — an invitation, an irritant raised, acknowledged
// and confirmed by one side, a statement consented and edited (the consent
// reset), a round planned and under way with a follow-up, a negotiation
// eliciting profiles until the mediator is asked to mediate — and after
// each checks the inbox of every kind of user, as the page lists it.
func TestInboxFollowsEveryKindOfEvent(t *testing.T) {
	ctx := t.Context()
	secret := []byte("web-test-secret-0123456789abcdef")
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	db.Secret = secret
	must(t, db.Open(ctx))
	t.Cleanup(func() { db.Close() })
	a := app.New()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency = db, db, db, db, db
	a.Irritants, a.Rounds, a.Statements, a.Notifications, a.Negotiations, a.Inbox = db, db, db, db, db, db
	a.Secret, a.Logger = secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err := a.Open(ctx)
	must(t, err)
	t.Cleanup(a.Close)
	w := web.NewServer(a)
	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	w.Register(mux)
	h := a.Middleware(mux)

	users := map[string]*parley.User{}
	var parties []parley.TalkParty
	party := map[string]int64{}
	for _, n := range []string{"US", "RU", "UA", "FR"} {
		p := &parley.Party{Name: n}
		must(t, a.CreateParty(ctx, p))
		party[n] = p.ID
		u := &parley.User{Name: strings.ToLower(n), PartyID: p.ID, Role: parley.RoleHead}
		must(t, db.CreateUser(ctx, u))
		users[n] = u
		st := parley.StandingMember
		if n == "UA" {
			st = parley.StandingStakeholder
		}
		parties = append(parties, parley.TalkParty{PartyID: p.ID, Standing: st})
	}
	med := &parley.User{Name: "mediator", Mediator: true}
	must(t, db.CreateUser(ctx, med))
	users["mediator"] = med
	talk := &parley.Talk{Title: "Ending the war", Parties: parties}
	must(t, db.CreateTalk(parley.NewContextWithUser(ctx, med), talk))
	for _, n := range []string{"US", "RU", "UA"} {
		must(t, db.AcceptInvitation(parley.NewContextWithUser(ctx, users[n]), talk.ID))
	}
	tokens := map[string]string{}
	for n, u := range users {
		tok := "inbox-" + n
		sum := sha256.Sum256([]byte(tok))
		must(t, db.CreateCredential(ctx, &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: "test", Hash: sum[:]}))
		tokens[n] = tok
	}
	keyRE := regexp.MustCompile(`class="inbox-item" data-key="([^"]+)"`)
	inbox := func(n string) string {
		t.Helper()
		req := httptest.NewRequest("GET", "/inbox", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[n])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s's inbox: %d %s", n, rec.Code, rec.Body.String())
		}
		var keys []string
		for _, m := range keyRE.FindAllStringSubmatch(rec.Body.String(), -1) {
			keys = append(keys, m[1])
		}
		slices.Sort(keys)
		return strings.Join(keys, " ")
	}
	check := func(step string, want map[string]string) {
		t.Helper()
		for _, n := range []string{"US", "RU", "UA", "FR", "mediator"} {
			keys := strings.Fields(want[n])
			slices.Sort(keys)
			if got := inbox(n); got != strings.Join(keys, " ") {
				t.Errorf("%s: %s's inbox lists %q; want %q", step, n, got, want[n])
			}
		}
	}
	// cu is a context of the user of n.
	cu := func(n string) context.Context { return parley.NewContextWithUser(ctx, users[n]) }

	check("invited", map[string]string{"FR": fmt.Sprintf("invite-%d", talk.ID)})

	past := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	irr := &parley.Irritant{TalkID: talk.ID, Title: "Embassy staffing", Toward: []int64{party["US"]}, Due: past}
	must(t, db.RaiseIrritant(cu("RU"), irr))
	invite := fmt.Sprintf("invite-%d", talk.ID)
	check("raised", map[string]string{"US": fmt.Sprintf("ack-%d overdue-%d", irr.ID, irr.ID), "RU": fmt.Sprintf("overdue-%d", irr.ID), "FR": invite})
	_, err = db.MoveIrritant(cu("US"), irr.ID, parley.IrritantMove{To: parley.IrritantAcknowledged})
	must(t, err)
	_, err = db.MoveIrritant(cu("mediator"), irr.ID, parley.IrritantMove{To: parley.IrritantInConsultation})
	must(t, err)
	_, err = db.MoveIrritant(cu("RU"), irr.ID, parley.IrritantMove{To: parley.IrritantResolved, Reason: "notes exchanged"})
	must(t, err)
	ov := fmt.Sprintf("overdue-%d", irr.ID)
	check("confirmed by RU", map[string]string{"US": fmt.Sprintf("confirm-%d %s", irr.ID, ov), "RU": ov, "FR": invite})
	_, err = db.MoveIrritant(cu("US"), irr.ID, parley.IrritantMove{To: parley.IrritantResolved})
	must(t, err)
	check("resolved", map[string]string{"FR": invite})

	st := &parley.Statement{TalkID: talk.ID, Title: "Joint statement", Stakeholders: []int64{party["UA"]}}
	must(t, db.CreateStatement(cu("US"), st, "We met."))
	sign := func(v int) string { return fmt.Sprintf("sign-%d-%d", st.ID, v) }
	check("statement", map[string]string{"US": sign(1), "RU": sign(1), "UA": fmt.Sprintf("consent-%d-1", st.ID), "FR": invite})
	_, err = db.ConsentToStatement(cu("UA"), st.ID, 1, true, "")
	must(t, err)
	check("consented", map[string]string{"US": sign(1), "RU": sign(1), "FR": invite})
	_, err = db.EditStatement(cu("RU"), st.ID, 1, "We met in Riyadh.")
	must(t, err)
	check("version 2 resets consent", map[string]string{"US": sign(2), "RU": sign(2), "UA": fmt.Sprintf("consent-%d-2", st.ID), "FR": invite})
	_, err = db.ConsentToStatement(cu("UA"), st.ID, 2, true, "")
	must(t, err)

	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	rd := &parley.Round{TalkID: talk.ID, Title: "Riyadh", StartsAt: start, EndsAt: start.Add(4 * time.Hour),
		Delegations: []int64{party["US"], party["RU"]}, Agenda: []*parley.AgendaItem{{Title: "Next steps"}}}
	must(t, db.CreateRound(cu("mediator"), rd))
	round := fmt.Sprintf("round-%d", rd.ID)
	check("round planned", map[string]string{"US": sign(2) + " " + round, "RU": round + " " + sign(2), "FR": invite, "mediator": round})
	_, err = db.MoveRound(cu("mediator"), rd.ID, parley.RoundInProgress)
	must(t, err)
	due := time.Now().UTC().AddDate(0, 0, 5).Format(time.DateOnly)
	_, err = db.RecordMinutes(cu("RU"), rd.ID, rd.Agenda[0].ID, parley.Minutes{Minutes: "Agreed to meet again", Outcome: parley.OutcomeFollowUp, Note: "propose dates", Owner: party["US"], Due: due})
	must(t, err)
	follow := fmt.Sprintf("followup-%d-%d", rd.ID, rd.Agenda[0].ID)
	check("follow-up", map[string]string{"US": follow + " " + round + " " + sign(2), "RU": round + " " + sign(2), "FR": invite, "mediator": round})

	n := &parley.Negotiation{TalkID: talk.ID, Title: "Ceasefire", Issues: []parley.NegotiationIssue{
		{Name: "Line", Options: []string{"Current", "Negotiated"}}, {Name: "Monitoring", Options: []string{"UN", "OSCE"}}}}
	must(t, db.CreateNegotiation(cu("mediator"), n))
	_, err = db.MoveNegotiation(cu("mediator"), n.ID, parley.NegotiationEliciting)
	must(t, err)
	profile := fmt.Sprintf("neg-profile-%d", n.ID)
	redlines := fmt.Sprintf("neg-redlines-%d", n.ID)
	check("negotiation", map[string]string{"US": follow + " " + profile + " " + round + " " + sign(2), "RU": profile + " " + round + " " + sign(2),
		"UA": redlines, "FR": invite, "mediator": round})
	prefs := parley.Preferences{Weights: map[string]float64{"Line": 60, "Monitoring": 40},
		Scores: map[string]map[string]float64{"Line": {"Current": 100, "Negotiated": 50}, "Monitoring": {"UN": 100, "OSCE": 0}}, Reservation: 0.3}
	for _, p := range []string{"US", "RU"} {
		_, err = db.SavePreferences(cu(p), n.ID, &prefs, true)
		must(t, err)
	}
	check("every member submitted: the mediator's request", map[string]string{"US": follow + " " + round + " " + sign(2), "RU": round + " " + sign(2),
		"UA": redlines, "FR": invite, "mediator": round + " " + fmt.Sprintf("neg-mediate-%d", n.ID)})
}
