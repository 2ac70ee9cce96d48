package grid

import "time"

// Sign-in throttling. Every attempt is counted as a failure before its
// password is checked, per (account, client address) pair; a success
// deletes its pair's count. The store sums the pairs of one address and of
// one account. Each scope has free failures, then waits that double with
// every further failure.
const (
	// PairFreeFailures is how many failures one address may make on one
	// account before waiting.
	PairFreeFailures = 5
	// AddressFreeFailures is how many failures one address may make
	// across accounts before waiting.
	AddressFreeFailures = 20
	// AccountFreeFailures is how many failures an account may take from
	// every address together before addresses it has never signed in
	// from wait. An account's known addresses wait only on their own
	// pair, never on the address's or the account's count.
	AccountFreeFailures = 50
	// MaxLoginBackoff caps one wait.
	MaxLoginBackoff = 15 * time.Minute
	// FailureMemory is how long after its last failure a count is kept.
	FailureMemory = 24 * time.Hour
	// KnownAddressMemory is how long after its last success an address
	// stays known to an account.
	KnownAddressMemory = 90 * 24 * time.Hour
)

// FailureCount is the failures of one scope and when the last one was.
type FailureCount struct {
	N    int
	Last time.Time
}

// LoginFailures is what the store knows, at one attempt, of the failures
// of its pair, its address and its account, and whether the account has
// signed in from this address before.
type LoginFailures struct {
	Pair, Address, Account FailureCount
	KnownAddress           bool
}

// LoginBackoff is how long after the last of n failures the next attempt
// waits when free failures cost nothing: 1 s after the first failure
// beyond them, doubling up to MaxLoginBackoff.
func LoginBackoff(n, free int) time.Duration {
	if n < free {
		return 0
	}
	if n-free >= 10 { // 2¹⁰ s is past the cap already
		return MaxLoginBackoff
	}
	return min(time.Duration(1<<(n-free))*time.Second, MaxLoginBackoff)
}

// Wait is how long an attempt at now must wait; zero lets it go ahead.
func (f LoginFailures) Wait(now time.Time) time.Duration {
	wait := func(c FailureCount, free int) time.Duration {
		return max(0, c.Last.Add(LoginBackoff(c.N, free)).Sub(now))
	}
	w := wait(f.Pair, PairFreeFailures)
	// An address an account has signed in from waits only on its own
	// pair: a stranger behind the same NAT or proxy, spraying accounts,
	// or guessing this one from elsewhere, cannot lock its user out.
	if !f.KnownAddress {
		w = max(w, wait(f.Address, AddressFreeFailures), wait(f.Account, AccountFreeFailures))
	}
	return w
}
