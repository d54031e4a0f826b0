package server

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/slawatch/slawatch/store"
)

// Webhook secrets are stored sealed with AES-256-GCM under
// Config.SecretKey, so that a copy of the database (a backup, a dump, a
// replica's disk) does not carry them in clear. Every replica needs the
// same key.

// sealedPrefix marks a sealed value: the prefix, then base64 of the
// nonce and the ciphertext.
const sealedPrefix = "enc:v1:"

// sealer seals and opens secrets; a nil sealer keeps them as they are
// (a server configured without a key).
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("server: secret key: %d bytes, want 32 (AES-256)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

func (z *sealer) seal(plain string) string {
	if z == nil || plain == "" || strings.HasPrefix(plain, sealedPrefix) {
		return plain
	}
	nonce := make([]byte, z.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(z.aead.Seal(nonce, nonce, []byte(plain), []byte("webhook-secret")))
}

// open returns a sealed value's secret; a value stored before secrets
// were sealed is returned as it is.
func (z *sealer) open(v string) (string, error) {
	rest, ok := strings.CutPrefix(v, sealedPrefix)
	if !ok {
		return v, nil
	}
	if z == nil {
		return "", errors.New("the webhook secret is sealed and this server has no secret key (--secret-key-file)")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	n := z.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", errors.New("the sealed webhook secret is damaged")
	}
	plain, err := z.aead.Open(nil, b[:n], b[n:], []byte("webhook-secret"))
	if err != nil {
		return "", errors.New("the webhook secret was sealed with another key: every replica needs the same --secret-key-file")
	}
	return string(plain), nil
}

// sealed returns c with its webhook secret sealed, for storing.
func (s *Server) sealed(c Customer) Customer {
	if wh := c.Contacts.Webhook; wh != nil {
		x := *wh
		x.Secret = s.secrets.seal(x.Secret)
		c.Contacts.Webhook = &x
	}
	return c
}

// customerWithSecrets reads a customer with its webhook secret opened:
// for sending notices, never for showing.
func (s *Server) customerWithSecrets(ctx context.Context, id string) (Customer, error) {
	c, err := getDoc[Customer](ctx, s.st, id, kindCustomer, id)
	if err != nil {
		return c, err
	}
	if wh := c.Contacts.Webhook; wh != nil {
		x := *wh
		if x.Secret, err = s.secrets.open(x.Secret); err != nil {
			return c, fmt.Errorf("customer %s: %w", id, err)
		}
		c.Contacts.Webhook = &x
	}
	return c, nil
}

// sealStored seals the webhook secrets stored in clear (by a version
// before secrets were sealed, or before a key was configured).
func (s *Server) sealStored(ctx context.Context) error {
	if s.secrets == nil {
		return nil
	}
	cs, err := listDocs[Customer](ctx, s.st, "", kindCustomer)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range cs {
		if wh := c.Contacts.Webhook; wh == nil || wh.Secret == "" || strings.HasPrefix(wh.Secret, sealedPrefix) {
			continue
		}
		err := updateDoc(ctx, s.st, c.ID, kindCustomer, c.ID, func(x *Customer) bool {
			if x.Contacts.Webhook == nil || strings.HasPrefix(x.Contacts.Webhook.Secret, sealedPrefix) {
				return false
			}
			*x = s.sealed(*x)
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
