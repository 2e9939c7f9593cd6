package app

import (
	"context"
	"crypto/rand"
	"parley"
	"strings"
)

// This file holds the account operations the JSON API and the web pages
// share.

// CreateToken makes an API token for u and returns it with its secret,
// which is not stored and cannot be shown again.
func (a *App) CreateToken(ctx context.Context, u *parley.User, name string) (*parley.Credential, string, error) {
	if name == "" || len(name) > 100 {
		return nil, "", parley.Errorf(parley.EINVALID, "name the token (1 to 100 characters) so you can tell it apart later")
	}
	secret := "pt_" + strings.ReplaceAll(rand.Text()+rand.Text(), "=", "")
	c := &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: name, Hash: hashSecret(secret)}
	if a.TokenTTL > 0 {
		c.ExpiresAt = a.Now().Add(a.TokenTTL)
	}
	if err := a.Credentials.CreateCredential(ctx, c); err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// CreateParty stores p and gives it a server-held signing key.
func (a *App) CreateParty(ctx context.Context, p *parley.Party) error {
	if err := a.Parties.CreateParty(ctx, p); err != nil {
		return err
	}
	k, err := parley.GeneratePartyKey(p.ID, a.Secret, a.Now())
	if err != nil {
		return err
	}
	return a.Parties.SetPartyKey(ctx, k)
}

// PartyNames returns every party's name by id.
func (a *App) PartyNames(ctx context.Context) (map[int64]string, error) {
	ps, err := a.Parties.ListParties(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(ps))
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	return names, nil
}
