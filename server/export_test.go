package server

import "time"

// SetPasswordCheck replaces the server's password check, so that tests
// can watch (or hold) the checks that pass the gate.
func SetPasswordCheck(s *Server, check func(hash, password string) (bool, error)) {
	s.hashes.check = check
}

// SetHashWait changes how long a sign-in waits for a password check.
func SetHashWait(s *Server, d time.Duration) { s.hashes.wait = d }

// HashesWaiting is how many sign-ins wait for a password check.
func HashesWaiting(s *Server) int { return int(s.hashes.waiting.Load()) }

// DialSmall connects with a small receive buffer (stream_internal_test.go).
var DialSmall = dialSmall
