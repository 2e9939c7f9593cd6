package parley

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Statement is a joint statement drafted as a single negotiating text: each
// edit makes a new version, recorded as a "statement.version" event whose
// hash the member parties' heads of delegation sign off to adopt it.
type Statement struct {
	ID     int64  `json:"id"`
	TalkID int64  `json:"talk_id"`
	Title  string `json:"title"`
	// Stakeholders are the affected parties whose consent the statement needs.
	Stakeholders []int64 `json:"stakeholders"`
	// Current is the latest version.
	Current *StatementVersion `json:"current"`
	// Marks, Signatures and Consents concern the current version.
	Marks      []StatementMark      `json:"marks"`
	Signatures []StatementSignature `json:"signatures"`
	Consents   []StakeholderConsent `json:"consents"`
	// Adopted is true once every member party's head has signed the current
	// version; the statement is then read-only.
	Adopted   bool      `json:"adopted"`
	CreatedAt time.Time `json:"created_at"`
}

// StatementVersion is one version of a statement's text.
type StatementVersion struct {
	Number   int    `json:"number"`
	Text     string `json:"text"`
	AuthorID int64  `json:"author_id"`
	PartyID  int64  `json:"party_id"`
	// Seq and Hash name the record event holding this version; sign-offs
	// are signatures over Hash.
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at"`
}

// Marks a member party may put on a version.
const (
	MarkCanAccept       = "can_accept"
	MarkRequestsChanges = "requests_changes"
)

// StatementMark is a member party's view of a version.
type StatementMark struct {
	PartyID int64     `json:"party_id"`
	UserID  int64     `json:"user_id"`
	Version int       `json:"version"`
	Mark    string    `json:"mark"`
	At      time.Time `json:"at"`
}

// StatementSignature is a head of delegation's sign-off of a version: the
// "signoff" event Seq carries the party's signature over the version's hash.
type StatementSignature struct {
	PartyID int64     `json:"party_id"`
	UserID  int64     `json:"user_id"`
	Version int       `json:"version"`
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
}

// StakeholderConsent is an affected stakeholder's consent to, or objection
// against, a version.
type StakeholderConsent struct {
	PartyID int64     `json:"party_id"`
	UserID  int64     `json:"user_id"`
	Version int       `json:"version"`
	Consent bool      `json:"consent"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// StatementComment is a comment anchored to one paragraph of one version.
type StatementComment struct {
	ID        int64     `json:"id"`
	Version   int       `json:"version"`
	Paragraph int       `json:"paragraph"` // 0-based
	AuthorID  int64     `json:"author_id"`
	PartyID   int64     `json:"party_id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate returns an EINVALID error when s cannot be opened in talk t.
func (s *Statement) Validate(t *Talk) error {
	if strings.TrimSpace(s.Title) == "" || utf8.RuneCountInString(s.Title) > 300 {
		return Errorf(EINVALID, "statement title must be 1 to 300 characters")
	}
	seen := map[int64]bool{}
	for _, p := range s.Stakeholders {
		if tp, ok := t.Party(p); !ok || tp.Standing != StandingStakeholder {
			return Errorf(EINVALID, "party %d is not an affected stakeholder of this talk", p)
		}
		if seen[p] {
			return Errorf(EINVALID, "stakeholders: party %d is named twice", p)
		}
		seen[p] = true
	}
	return nil
}

// ValidateStatementText returns an EINVALID error for a text that cannot be a version.
func ValidateStatementText(text string) error {
	if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > 200000 {
		return Errorf(EINVALID, "statement text must be 1 to 200000 characters")
	}
	return nil
}

// AwaitingSignature returns the member parties of t whose heads have not
// signed the current version.
func (s *Statement) AwaitingSignature(t *Talk) []int64 {
	var out []int64
	for _, p := range t.Parties {
		if p.Standing != StandingMember || !p.Accepted {
			continue // an invited party has no say until it takes its seat
		}
		if !slices.ContainsFunc(s.Signatures, func(g StatementSignature) bool { return g.PartyID == p.PartyID }) {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// AwaitingConsent returns the named stakeholders that have not consented to
// the current version. While it is not empty the statement is provisional.
func (s *Statement) AwaitingConsent() []int64 {
	var out []int64
	for _, p := range s.Stakeholders {
		if !slices.ContainsFunc(s.Consents, func(c StakeholderConsent) bool { return c.PartyID == p && c.Consent }) {
			out = append(out, p)
		}
	}
	return out
}

// Paragraphs splits a text into paragraphs at blank lines.
func Paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DiffLine is one paragraph of a diff: Op is "=" (kept), "-" (removed) or "+" (added).
type DiffLine struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Diff compares two texts paragraph by paragraph (longest common
// subsequence), which is how negotiators read a changed draft.
func Diff(a, b string) []DiffLine {
	x, y := Paragraphs(a), Paragraphs(b)
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{"=", x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{"-", x[i]})
			i++
		default:
			out = append(out, DiffLine{"+", y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{"-", x[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{"+", y[j]})
	}
	return out
}

// CanDraftStatement reports whether u may open, edit and mark statements in
// t: a mediator, or the head or a negotiator of a seated member delegation.
func CanDraftStatement(u *User, t *Talk) bool { return CanOrganiseRound(u, t) }

// CanSignStatement reports whether u may sign a statement of t for their
// party: the head of a seated member delegation.
func CanSignStatement(u *User, t *Talk) bool {
	return CanRaiseIrritant(u, t) && u.Role == RoleHead
}

// StatementService drafts and adopts joint statements. Every method acts as
// the user in ctx; a statement in a talk the user may not see is ENOTFOUND.
type StatementService interface {
	// CreateStatement stores s with its first version, text, and records
	// "statement.version". ENOTFOUND, EFORBIDDEN (see CanDraftStatement), EINVALID.
	CreateStatement(ctx context.Context, s *Statement, text string) error
	// FindStatementByID returns ENOTFOUND when there is no statement the user may see.
	FindStatementByID(ctx context.Context, id int64) (*Statement, error)
	// FindStatements returns a talk's statements. ENOTFOUND.
	FindStatements(ctx context.Context, talkID int64) ([]*Statement, error)
	// StatementVersions returns every version, oldest first. ENOTFOUND.
	StatementVersions(ctx context.Context, id int64) ([]*StatementVersion, error)
	// EditStatement makes version base+1 with text. When base is no longer
	// the current version it returns the current version with an ECONFLICT
	// error, storing nothing, so the editor can merge. ENOTFOUND, EFORBIDDEN,
	// EINVALID, ECONFLICT (also once adopted).
	EditStatement(ctx context.Context, id int64, base int, text string) (*StatementVersion, error)
	// MarkStatement puts the user's party's mark on version. ENOTFOUND,
	// EFORBIDDEN unless a member delegate, EINVALID, ECONFLICT when version is not current.
	MarkStatement(ctx context.Context, id int64, version int, mark string) (*Statement, error)
	// SignStatement signs off version for the user's party with the party
	// key: signature when the party holds its own key, nil when the server
	// holds it. The statement is adopted once every member party has signed.
	// ENOTFOUND, EFORBIDDEN (see CanSignStatement), EINVALID, ECONFLICT when
	// version is not current or already signed.
	SignStatement(ctx context.Context, id int64, version int, signature []byte) (*Statement, error)
	// ConsentToStatement records a named stakeholder's consent (or
	// objection, consent false) to version. ENOTFOUND, EFORBIDDEN unless the
	// head of a named stakeholder, ECONFLICT when version is not current.
	ConsentToStatement(ctx context.Context, id int64, version int, consent bool, note string) (*Statement, error)
	// CommentOnStatement anchors c to a paragraph of a version. ENOTFOUND,
	// EFORBIDDEN unless the user may act in the talk, EINVALID.
	CommentOnStatement(ctx context.Context, id int64, c *StatementComment) error
	// StatementComments returns a statement's comments. ENOTFOUND.
	StatementComments(ctx context.Context, id int64) ([]*StatementComment, error)
}
