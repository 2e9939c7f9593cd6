package app

import "parley"

// The services beyond accounts and talks are optional: while one is nil,
// what needs it answers an internal error saying it is not configured.

// IrritantService returns the consultation mechanism's irritants, or an
// internal error when it is not configured.
func (a *App) IrritantService() (parley.IrritantService, error) {
	if a.Irritants == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "the consultation mechanism is not configured")
	}
	return a.Irritants, nil
}

// StatementService returns the statement service, or an internal error
// when statements are not configured.
func (a *App) StatementService() (parley.StatementService, error) {
	if a.Statements == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "statements are not configured")
	}
	return a.Statements, nil
}

// InboxService returns what reads the inbox, or an internal error when it
// is not configured.
func (a *App) InboxService() (parley.Inbox, error) {
	if a.Inbox == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "the inbox is not configured")
	}
	return a.Inbox, nil
}

// NegotiationService returns the negotiation service, or an internal error
// when negotiations are not configured (no service or no mediator).
func (a *App) NegotiationService() (parley.NegotiationService, error) {
	if a.Negotiations == nil || a.Mediator == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "negotiations are not configured")
	}
	return a.Negotiations, nil
}
