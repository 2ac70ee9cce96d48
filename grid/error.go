package grid

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. The server maps them to HTTP statuses.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EForbidden    = "forbidden"
	EUnauthorized = "unauthorized"
	// EUnprocessable is well-formed input the server cannot act on, such
	// as a reused idempotency key with other content.
	EUnprocessable = "unprocessable"
	// EUnavailable is a fault that passes: the database is down,
	// unreachable, restarting or out of connections, or a query ran out
	// of time. The client may retry later.
	EUnavailable = "unavailable"
	EInternal    = "internal"
)

// EInfeasible is the code of a rebalancing request that no plan can meet:
// too few organizations for the liaisons' minimum load, or more pinned
// organizations than a liaison may carry. The message says which.
const EInfeasible = "infeasible"

// Error is gridgis's one error type. Field names the offending input, when
// there is one, so clients can point at it.
type Error struct {
	Code    string
	Field   string
	Message string
	// Cause is the underlying error, for logs and operators; clients see
	// only Message.
	Cause error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Cause != nil {
		msg += " (" + e.Cause.Error() + ")"
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, msg)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}
