package app

import (
	"context"

	"parley"
)

// StatementView is a statement with who is still to sign and consent.
type StatementView struct {
	Statement         *parley.Statement          `json:"statement"`
	AwaitingSignature []int64                    `json:"awaiting_signature"`
	AwaitingConsent   []int64                    `json:"awaiting_consent"`
	Provisional       bool                       `json:"provisional"`
	Comments          []*parley.StatementComment `json:"comments"`
}

// StatementView returns statement id as the user in ctx sees it.
func (a *App) StatementView(ctx context.Context, id int64) (*StatementView, error) {
	svc, err := a.StatementService()
	if err != nil {
		return nil, err
	}
	st, err := svc.FindStatementByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := a.Talks.FindTalkByID(ctx, st.TalkID)
	if err != nil {
		return nil, err
	}
	cs, err := svc.StatementComments(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &StatementView{Statement: st, AwaitingSignature: nonNil(st.AwaitingSignature(t)), AwaitingConsent: nonNil(st.AwaitingConsent()), Comments: cs}
	v.Provisional = len(v.AwaitingConsent) > 0
	return v, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
