package grid

import (
	"strings"
	"testing"
	"time"
)

func TestContactInputValidate(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		in        ContactInput
		wantField string
		wantAt    time.Time
		wantNote  string
	}{
		{name: "contact now", in: ContactInput{Kind: ContactCall}, wantAt: now},
		{name: "visit with a time and note", in: ContactInput{Kind: ContactVisit, At: "2026-03-10T09:30:00+08:00", Note: " 走访车间 "},
			wantAt: time.Date(2026, 3, 10, 1, 30, 0, 0, time.UTC), wantNote: "走访车间"},
		{name: "fractional seconds", in: ContactInput{Kind: ContactCall, At: "2026-03-15T09:59:59.5Z"},
			wantAt: now.Add(-500 * time.Millisecond)},
		{name: "a little ahead is taken as now", in: ContactInput{Kind: ContactCall, At: "2026-03-15T10:04:59Z"}, wantAt: now},
		{name: "exactly the skew ahead", in: ContactInput{Kind: ContactCall, At: "2026-03-15T10:05:00Z"}, wantAt: now},
		{name: "past the skew", in: ContactInput{Kind: ContactCall, At: "2026-03-15T10:05:01Z"}, wantField: "at"},
		{name: "a year ago", in: ContactInput{Kind: ContactVisit, At: "2025-03-15T10:00:00Z"}, wantAt: now.AddDate(-1, 0, 0)},
		{name: "absurdly old", in: ContactInput{Kind: ContactVisit, At: "2019-01-01T00:00:00Z"}, wantField: "at"},
		{name: "a date is not a time", in: ContactInput{Kind: ContactCall, At: "2026-03-10"}, wantField: "at"},
		{name: "no zone", in: ContactInput{Kind: ContactCall, At: "2026-03-10T09:30:00"}, wantField: "at"},
		{name: "empty kind", in: ContactInput{}, wantField: "kind"},
		{name: "unknown kind", in: ContactInput{Kind: "call"}, wantField: "kind"},
		{name: "2000 characters", in: ContactInput{Kind: ContactCall, Note: strings.Repeat("联", 2000)}, wantAt: now,
			wantNote: strings.Repeat("联", 2000)},
		{name: "2001 characters", in: ContactInput{Kind: ContactCall, Note: strings.Repeat("联", 2001)}, wantField: "note"},
		{name: "a NUL", in: ContactInput{Kind: ContactCall, Note: "a\x00b"}, wantField: "note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.in.Validate(7, now)
			if tt.wantField != "" {
				e, ok := err.(*Error)
				if !ok || e.Code != EInvalid || e.Field != tt.wantField {
					t.Fatalf("err = %v, want invalid %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.OrgID != 7 || c.Kind != tt.in.Kind || !c.At.Equal(tt.wantAt) || c.Note != tt.wantNote {
				t.Errorf("contact %+v, want at %v note %q", c, tt.wantAt, tt.wantNote)
			}
		})
	}
}
