package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slawatch token makes, lists, revokes and rotates tokens; it refuses a
// customer that does not exist, and rotating the first operator token
// rewrites operator.token.
func TestTokenCommand(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := run(t, "", "token", "--data", data, "--role", "customer", "--customer", "nobody"); code == 0 || !strings.Contains(errs, `"nobody" is not a customer`) {
		t.Errorf("a token for an unknown customer: exit %d, %s", code, errs)
	}
	if code, _, errs := run(t, "", "token", "--data", data, "--role", "operator", "--agent", "x"); code == 0 || !strings.Contains(errs, "no customer and no agent") {
		t.Errorf("an operator token with an agent: exit %d, %s", code, errs)
	}
	if code, _, errs := run(t, "", "token", "--data", data, "--role", "agent", "--agent", "tyo1", "--expires", "soon"); code == 0 || !strings.Contains(errs, "--expires") {
		t.Errorf("a bad --expires: exit %d, %s", code, errs)
	}
	code, agentTok, errs := run(t, "", "token", "create", "--data", data, "--role", "agent", "--agent", "tyo1", "--name", "tokyo", "--expires", "720h")
	if code != 0 || !strings.HasPrefix(agentTok, "sw_") {
		t.Fatalf("token create: exit %d, %s %s", code, agentTok, errs)
	}
	// the first operator token, as serve writes it
	code, opTok, _ := run(t, "", "token", "--data", data, "--role", "operator", "--name", "first operator")
	if code != 0 {
		t.Fatal("operator token")
	}
	tokenFile := filepath.Join(data, "operator.token")
	if err := os.WriteFile(tokenFile, []byte(opTok), 0o600); err != nil {
		t.Fatal(err)
	}
	code, list, _ := run(t, "", "token", "list", "--data", data)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	var agentID, opID string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		switch {
		case len(f) == 8 && f[1] == "agent" && f[3] == "tyo1" && f[4] == "tokyo" && f[7] == "valid":
			agentID = f[0]
		case len(f) == 9 && f[1] == "operator" && f[7] == "never" && f[8] == "valid":
			opID = f[0]
		}
	}
	if code != 0 || len(lines) != 3 || agentID == "" || opID == "" {
		t.Fatalf("token list: exit %d\n%s", code, list)
	}
	if strings.Contains(list, strings.TrimSpace(agentTok)) {
		t.Error("token list shows a token")
	}

	code, newOp, errs := run(t, "", "token", "rotate", "--data", data, opID)
	if code != 0 || !strings.HasPrefix(newOp, "sw_") || !strings.Contains(errs, "operator.token now holds the new token") {
		t.Fatalf("token rotate: exit %d, %s %s", code, newOp, errs)
	}
	if b, _ := os.ReadFile(tokenFile); string(b) != newOp {
		t.Errorf("operator.token holds %q after the rotation, want the new token", b)
	}
	if code, out, _ := run(t, "", "token", "revoke", "--data", data, agentID); code != 0 || !strings.Contains(out, "revoked "+agentID) {
		t.Errorf("token revoke: exit %d, %s", code, out)
	}
	_, list, _ = run(t, "", "token", "list", "--data", data)
	if strings.Count(list, "revoked") != 2 {
		t.Errorf("after a revocation and a rotation, the list shows:\n%s", list)
	}
	if code, _, errs := run(t, "", "token", "revoke", "--data", data, "0123456789abcdef"); code == 0 || !strings.Contains(errs, "not found") {
		t.Errorf("revoking an unknown ID: exit %d, %s", code, errs)
	}
	if code, _, errs := run(t, "", "token", "frobnicate", "--data", data); code == 0 || !strings.Contains(errs, "want create, list, revoke or rotate") {
		t.Errorf("an unknown verb: exit %d, %s", code, errs)
	}
}

// A second server on the same SQLite data directory is refused with a
// clear error; the first keeps serving.
func TestServeRefusesSecondOnSQLite(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb bytes.Buffer // read only once Main has returned
	addr := freeAddr(t)
	go func() {
		done <- Main(ctx, []string{"serve", "--data", data, "--listen", addr}, strings.NewReader(""), &out, &errb)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the first server did not start: exit %d", <-done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, _, errs := run(t, "", "serve", "--data", data, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errs, "already serves this SQLite database") || !strings.Contains(errs, "PostgreSQL") {
		t.Errorf("a second server: exit %d, %s", code, errs)
	}
	for _, f := range []string{"slawatch.db", "secret.key", "operator.token"} {
		fi, err := os.Stat(filepath.Join(data, f))
		if err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: %v, %v; want 0600", f, fi.Mode(), err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(data, "secret.key")); err != nil || len(strings.TrimSpace(string(b))) != 64 {
		t.Errorf("secret.key: %q, %v; want 64 hex digits", b, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("the first server exited %d: %s", code, errb.String())
	}
}
