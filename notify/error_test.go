package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/emersion/go-smtp"
)

func TestIsPermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"smtp 550", &smtp.SMTPError{Code: 550}, true},
		{"smtp 554 wrapped", fmt.Errorf("smtp x: %w", &smtp.SMTPError{Code: 554}), true},
		{"smtp 451", &smtp.SMTPError{Code: 451}, false},
		{"smtp 421", &smtp.SMTPError{Code: 421}, false},
		{"http 400", &HTTPError{StatusCode: 400}, true},
		{"http 410", &HTTPError{StatusCode: 410}, true},
		{"http 408", &HTTPError{StatusCode: 408}, false},
		{"http 429", &HTTPError{StatusCode: 429}, false},
		{"http 500", &HTTPError{StatusCode: 500}, false},
		{"http 503", &HTTPError{StatusCode: 503}, false},
		{"network", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false},
		{"timeout", os.ErrDeadlineExceeded, false},
		{"context", context.DeadlineExceeded, false},
		{"unknown", errors.New("?"), false},
		{"ours", permanentf("bad config"), true},
		{"refused destination", &RefusedError{What: "loopback"}, true},
		{"refused at dial", &requestFailure{err: &net.OpError{Op: "dial", Err: &RefusedError{What: "private"}}}, true},
		{"dial failed", &requestFailure{err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, false},
		{"send error says", &SendError{Channel: "x", Permanent: true, Err: errors.New("?")}, true},
		{"send error wrapped", fmt.Errorf("outbox: %w", &SendError{Channel: "x", Err: &smtp.SMTPError{Code: 550}}), false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("%s: IsPermanent(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
