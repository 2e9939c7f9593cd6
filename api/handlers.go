package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"parley"
)

//go:embed openapi.json
var openapi []byte

func notFound(r *http.Request) error {
	return parley.Errorf(parley.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path)
}

func requireUser(r *http.Request) (*parley.User, error) {
	u := parley.UserFromContext(r.Context())
	if u == nil {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "sign in first, or send Authorization: Bearer <token>")
	}
	return u, nil
}

func requireAdmin(r *http.Request) (*parley.User, error) {
	u, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if !parley.CanAdminister(u) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "only administrators manage parties and users")
	}
	return u, nil
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapi)
	return err
}

type credentialsRequest struct {
	Token    string `json:"token,omitempty"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) error {
	var req credentialsRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.CompleteSetup(r.Context(), req.Token, req.Name, req.Password)
	return reply(w, http.StatusCreated, u, err)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req credentialsRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Token != "" {
		return parley.Errorf(parley.EINVALID, "unknown field \"token\"")
	}
	u, err := s.Login(w, r, req.Name, req.Password)
	return reply(w, http.StatusOK, map[string]any{"user": u}, err)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	if err := s.Logout(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	out := map[string]any{"user": u}
	if tok := s.CSRFToken(r); tok != "" {
		out["csrf_token"] = tok
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	cs, err := s.Credentials.ListCredentials(r.Context(), u.ID, parley.CredentialToken)
	return reply(w, http.StatusOK, map[string]any{"tokens": cs}, err)
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c, secret, err := s.CreateToken(r.Context(), u, req.Name)
	if err != nil {
		return err
	}
	// The secret is shown once; only its hash is kept, and a retry by
	// Idempotency-Key gets the token without it.
	if err := replayWithout(w, map[string]any{"token": c}); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": c, "secret": secret})
}

func (s *Server) handleDeleteToken(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cs, err := s.Credentials.ListCredentials(r.Context(), u.ID, parley.CredentialToken)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == id {
			if err := s.Credentials.DeleteCredential(r.Context(), u.ID, id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
	}
	return parley.Errorf(parley.ENOTFOUND, "you have no token %d", id)
}

func (s *Server) handleListParties(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	ps, err := s.Parties.ListParties(r.Context())
	return reply(w, http.StatusOK, map[string]any{"parties": nonNil(ps)}, err)
}

func (s *Server) handleCreateParty(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireAdmin(r); err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	p := &parley.Party{Name: req.Name, Kind: req.Kind}
	if err := s.CreateParty(r.Context(), p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireAdmin(r); err != nil {
		return err
	}
	us, err := s.Users.ListUsers(r.Context())
	return reply(w, http.StatusOK, map[string]any{"users": nonNil(us)}, err)
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	admin, err := requireAdmin(r)
	if err != nil {
		return err
	}
	var req struct {
		Name        string      `json:"name"`
		DisplayName string      `json:"display_name"`
		Password    string      `json:"password"`
		PartyID     int64       `json:"party_id"`
		Role        parley.Role `json:"role"`
		Mediator    bool        `json:"mediator"`
		Admin       bool        `json:"admin"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	// CreatedBy makes a member of a delegation that has members wait for
	// its head's approval.
	u := &parley.User{Name: req.Name, DisplayName: req.DisplayName, PartyID: req.PartyID, Role: req.Role, Mediator: req.Mediator, Admin: req.Admin, CreatedBy: admin.ID}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.CreateUserWithPassword(r.Context(), u, req.Password); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleApproveMember(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Users.ApproveMember(r.Context(), id)
	return reply(w, http.StatusOK, m, err)
}

func (s *Server) handleDisableUser(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireAdmin(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.Users.DisableUser(r.Context(), id)
	return reply(w, http.StatusOK, m, err)
}

// handleListMembers lists a delegation, pending members included, to its
// own members (whose head approves newcomers) and to administrators.
func (s *Server) handleListMembers(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !u.Admin && u.PartyID != id {
		return parley.Errorf(parley.EFORBIDDEN, "only the party's own delegation and administrators list its members")
	}
	us, err := s.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := []*parley.User{}
	for _, m := range us {
		if m.PartyID == id {
			out = append(out, m)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"members": out})
}

func (s *Server) handleListTalks(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	ts, err := s.Talks.FindTalks(r.Context(), parley.TalkFilter{AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	out := map[string]any{}
	if len(ts) > limit {
		ts = ts[:limit]
		out["next"] = ts[limit-1].ID
	}
	out["talks"] = ts
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreateTalk(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	var req struct {
		Title       string             `json:"title"`
		Description string             `json:"description"`
		Parties     []parley.TalkParty `json:"parties"`
		MediatorIDs []int64            `json:"mediator_ids"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t := &parley.Talk{Title: req.Title, Description: req.Description, Parties: req.Parties, MediatorIDs: req.MediatorIDs}
	if err := s.Talks.CreateTalk(r.Context(), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleGetTalk(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Talks.FindTalkByID(r.Context(), id)
	return reply(w, http.StatusOK, t, err)
}

func (s *Server) handleInviteParty(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		PartyID  int64           `json:"party_id"`
		Standing parley.Standing `json:"standing"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	invited, err := s.Talks.InviteParty(r.Context(), id, req.PartyID, req.Standing)
	if err != nil {
		return err
	}
	return s.writeTalk(w, r, id, invited)
}

// writeTalk answers with the talk: 200 when the party is invited, 202 when
// the proposal awaits other members' consent.
func (s *Server) writeTalk(w http.ResponseWriter, r *http.Request, id int64, invited bool) error {
	t, err := s.Talks.FindTalkByID(r.Context(), id)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !invited {
		status = http.StatusAccepted
	}
	return writeJSON(w, status, t)
}

func (s *Server) handleConsentInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	party, err := pathID(r, "party")
	if err != nil {
		return err
	}
	invited, err := s.Talks.ConsentInvitation(r.Context(), id, party)
	if err != nil {
		return err
	}
	return s.writeTalk(w, r, id, invited)
}

func (s *Server) handleWithdrawInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	party, err := pathID(r, "party")
	if err != nil {
		return err
	}
	if err := s.Talks.WithdrawInvitation(r.Context(), id, party); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleAccept(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Talks.AcceptInvitation(r.Context(), id); err != nil {
		return err
	}
	return s.handleGetTalk(w, r)
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return s.Stream(w, r, id, jsonEvent)
	}
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	es, err := s.Talks.ListEvents(r.Context(), id, after, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"events": es}
	if len(es) == limit {
		out["next"] = es[len(es)-1].Seq
	}
	return writeJSON(w, http.StatusOK, out)
}

// jsonEvent renders an event for the JSON stream.
func jsonEvent(e *parley.Event) (string, string, error) {
	b, err := json.Marshal(e)
	return "", string(b), err
}

func (s *Server) handleAppendEvent(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in parley.EventInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Talks.AppendEvent(r.Context(), id, in)
	return reply(w, http.StatusCreated, e, err)
}

func (s *Server) handleRecord(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.Talks.Record(r.Context(), id)
	if err != nil {
		return err
	}
	return writeDownload(w, fmt.Sprintf("talk-%d-record.json", id), rec)
}

// writeDownload writes v as an indented JSON file to download.
func writeDownload(w http.ResponseWriter, name string, v any) error {
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(b, '\n'))
	return err
}

// handlePrivateEvents lists the viewer's own party's private chain in a talk.
func (s *Server) handlePrivateEvents(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	es, err := s.Talks.ListPrivateEvents(r.Context(), id, after, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"events": es}
	if len(es) == limit {
		out["next"] = es[len(es)-1].Seq
	}
	return writeJSON(w, http.StatusOK, out)
}

// handlePrivateRecord exports the viewer's own party's private chain.
func (s *Server) handlePrivateRecord(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.Talks.PrivateRecord(r.Context(), id)
	if err != nil {
		return err
	}
	return writeDownload(w, fmt.Sprintf("talk-%d-party-%d-private-record.json", id, rec.PartyID), rec)
}

// handleCheckpoint returns the talk's current signed checkpoint.
func (s *Server) handleCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cp, err := s.Talks.Checkpoint(r.Context(), id)
	if err != nil {
		return err
	}
	// ?from=N adds the proof that this checkpoint extends one of size N.
	if v := r.URL.Query().Get("from"); v != "" {
		from, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return parley.Errorf(parley.EINVALID, "from %q is not a number of events", v)
		}
		p, err := s.Talks.ConsistencyProof(r.Context(), id, from, cp.Size)
		if err != nil {
			return err
		}
		cp.Consistency = &parley.Consistency{From: from, Proof: p}
	}
	return writeDownload(w, fmt.Sprintf("talk-%d-checkpoint-%d.json", id, cp.Size), cp)
}

// handleKeys lists the server's key and every party key with fingerprints.
func (s *Server) handleKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	l, err := s.Parties.ListKeys(r.Context())
	if err != nil {
		return err
	}
	return writeDownload(w, "parley-keys.json", l)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) handleSetPartyKey(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !parley.CanSetPartyKey(u, id) {
		return parley.Errorf(parley.EFORBIDDEN, "only an administrator or the party's head of delegation sets its key")
	}
	var req struct {
		PublicKey []byte `json:"public_key"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	k := &parley.PartyKey{PartyID: id, Public: req.PublicKey}
	if err := s.Parties.SetPartyKey(r.Context(), k); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"party_id": id, "public_key": k.Public, "server_held": false, "from": k.CreatedAt})
}

func (s *Server) handleSignOff(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Seq       int64  `json:"seq"`
		Signature []byte `json:"signature"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.Talks.SignOff(r.Context(), id, req.Seq, req.Signature)
	return reply(w, http.StatusCreated, e, err)
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := s.ChangePassword(r.Context(), u, req.Current, req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
