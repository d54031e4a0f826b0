// Package storetest gives tests of any package a database to run
// against: a fresh PostgreSQL schema per test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresURL is the database the PostgreSQL tests use:
// $SLAWATCH_POSTGRES_URL, or the local server with trust authentication.
func PostgresURL() string {
	if u := os.Getenv("SLAWATCH_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// FreshPostgres returns the URL of a new schema in the test database,
// dropped when t ends, so tests and packages running at once never meet.
// An unreachable server skips t, or fails it with
// SLAWATCH_REQUIRE_POSTGRES=1 (as CI sets).
func FreshPostgres(t testing.TB) string {
	base := PostgresURL()
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("SLAWATCH_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL at %s: %v (SLAWATCH_REQUIRE_POSTGRES=1)", base, err)
		}
		t.Skipf("PostgreSQL not reachable at %s: %v (set SLAWATCH_POSTGRES_URL, or SLAWATCH_REQUIRE_POSTGRES=1 to fail instead)", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "slawatch_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// A test's commits need not wait for the disk: synchronous_commit off
	// keeps every guarantee a test can see (a commit is visible and
	// ordered) and takes the fsync out of each of the store's writes.
	return base + sep + "search_path=" + schema + "&synchronous_commit=off"
}
