package server

import (
	"context"
	"errors"
	"strings"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch/store"
)

// Webhook secrets are stored sealed (docs.Sealer) under Config.SecretKey,
// so that a copy of the database does not carry them in clear.

// sealStored seals the webhook secrets stored in clear (by a version
// before secrets were sealed, or before a key was configured).
func (s *Server) sealStored(ctx context.Context) error {
	if s.secrets == nil {
		return nil
	}
	cs, err := docs.List[Customer](ctx, s.st, "", docs.KindCustomer)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range cs {
		if wh := c.Contacts.Webhook; wh == nil || wh.Secret == "" || strings.HasPrefix(wh.Secret, docs.SealedPrefix) {
			continue
		}
		err := docs.Update(ctx, s.st, c.ID, docs.KindCustomer, c.ID, func(x *Customer) bool {
			if x.Contacts.Webhook == nil || strings.HasPrefix(x.Contacts.Webhook.Secret, docs.SealedPrefix) {
				return false
			}
			*x = s.secrets.Sealed(*x)
			return true
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n++
	}
	if n > 0 {
		s.log.Info("sealed webhook secrets stored in clear", "customers", n)
	}
	return nil
}
