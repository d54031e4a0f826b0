package store

import (
	"testing"

	"github.com/slawatch/slawatch/store/storetest"
)

func TestPostgres(t *testing.T) {
	runSuite(t, func(t *testing.T) string { return storetest.FreshPostgres(t) })
}
