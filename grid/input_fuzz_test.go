package grid

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// fuzzNow is the fixed clock of the fuzz targets.
var fuzzNow = time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)

// invalidField fails t unless err is an EInvalid *Error naming a field.
func invalidField(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid || e.Field == "" {
		t.Fatalf("error %v is not an invalid-input error naming a field", err)
	}
}

// clean reports whether s is text PostgreSQL can store.
func clean(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// FuzzUSCC: a code is valid exactly when its check character is the one
// USCCCheckChar computes, and every 17-character body of the alphabet
// with six digits in places 3-8 makes a valid code with its check
// character.
func FuzzUSCC(f *testing.F) {
	for _, s := range []string{"91410400MA0000001X", "91410400MA000000", "914104", "", "9141040OMA00000018", "ZZZZZZZZZZZZZZZZZZ",
		"91410400MA00000000\x00", "９1410400MA0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := ValidUSCC(s)
		if valid {
			check, ok := USCCCheckChar(s[:17])
			if len(s) != 18 || !ok || s[17] != check {
				t.Fatalf("%q: accepted with a wrong check character", s)
			}
		}
		if len(s) < 17 {
			return
		}
		body := s[:17]
		check, ok := USCCCheckChar(body)
		if !ok {
			return
		}
		if !strings.ContainsRune(usccAlphabet, rune(check)) {
			t.Fatalf("%q: check character %q outside the alphabet", body, check)
		}
		digits := strings.Trim(body[2:8], "0123456789") == ""
		if ValidUSCC(body+string(check)) != digits {
			t.Fatalf("%q + %q: valid %v, want %v", body, check, !digits, digits)
		}
	})
}

// FuzzParseStatsQuery: an accepted range runs forwards, starts in the
// past, spans at most StatsMaxRange and has a known grouping; a refusal
// names from, to or by.
func FuzzParseStatsQuery(f *testing.F) {
	for _, s := range [][3]string{{"", "", ""}, {"2025-01-01", "2025-06-01", "month"}, {"2025-13-01", "", ""},
		{"0000-01-01", "0000-06-01", "grid"}, {"0001-01-01", "2025-01-01", ""}, {"", "9999-12-31", ""},
		{"2025-01-01T00:00:00+08:00", "2025-01-01T00:00:00+07:00", "unit"}, {"1e9", "", ""}, {"2025-02-30", "", "zone"},
		{"2024-01-01T00:00:00-23:59", "", "liaison"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, from, to, by string) {
		q, err := ParseStatsQuery(from, to, by, fuzzNow)
		if err != nil {
			invalidField(t, err)
			return
		}
		if !q.From.Before(q.To) || !q.From.Before(fuzzNow) || q.To.Sub(q.From) > StatsMaxRange || !slices.Contains(StatsGroupings, q.By) {
			t.Fatalf("%q %q %q: accepted %v – %v by %q", from, to, by, q.From, q.To, q.By)
		}
	})
}

// fuzzOrg is a valid organization to patch.
func fuzzOrg() Org {
	check, _ := USCCCheckChar("91410400MA0000001")
	return Org{ID: 1, ZoneID: 1, Name: "平顶山测试有限公司", USCC: "91410400MA0000001" + string(check), Kind: KindEnterprise,
		Industry: "物流", Employees: 50, PartyMembers: 3, PartyOrg: PartyStandalone, Location: orb.Point{113, 33}}
}

// FuzzOrgPatch decodes a PATCH body as the API does and applies it: an
// accepted organization fits its columns (32-bit counts, text without
// NUL) and its rules.
func FuzzOrgPatch(f *testing.F) {
	base := fuzzOrg()
	if err := base.Validate(); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{`{"version":1,"employees":60}`, `{"version":1,"employees":99999999999}`,
		`{"version":99999999999}`, `{"version":1,"name":"a\u0000"}`, `{"version":1,"party_members":-1}`,
		`{"version":1,"party_org":"none","party_members":0,"employees":0}`, `{"version":1,"address":"` + strings.Repeat("址", 201) + `"}`,
		`{"version":1,"industry":" "}`, `{"version":2147483647,"name":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p OrgPatch
		if json.Unmarshal(body, &p) != nil {
			return
		}
		o, _, err := p.Apply(base)
		if err != nil {
			invalidField(t, err)
			return
		}
		switch {
		case p.Version < 1 || p.Version > math.MaxInt32:
			t.Fatalf("%s: accepted version %d", body, p.Version)
		case o.Employees < 0 || o.Employees > math.MaxInt32 || o.PartyMembers < 0 || o.PartyMembers > o.Employees:
			t.Fatalf("%s: accepted employees %d, party members %d", body, o.Employees, o.PartyMembers)
		case !clean(o.Name) || !clean(o.Industry) || !clean(o.Address) || o.Name == "":
			t.Fatalf("%s: accepted text %q %q %q", body, o.Name, o.Industry, o.Address)
		case utf8.RuneCountInString(o.Name) > 100 || utf8.RuneCountInString(o.Address) > 200:
			t.Fatalf("%s: accepted long text", body)
		}
	})
}

// FuzzContactInput: an accepted contact lies within the last
// ContactMaxAge, never after now, with a storable note.
func FuzzContactInput(f *testing.F) {
	for _, s := range []string{`{"kind":"visit"}`, `{"kind":"contact","at":"2025-06-01T09:00:00+08:00","note":"电话"}`,
		`{"kind":"visit","at":"0000-01-01T00:00:00Z"}`, `{"kind":"visit","at":"9999-12-31T23:59:59Z"}`,
		`{"kind":"visit","note":"\u0000"}`, `{"kind":"call"}`, `{"kind":"visit","at":"2025-06-01T09:34:59Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in ContactInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		c, err := in.Validate(7, fuzzNow)
		if err != nil {
			invalidField(t, err)
			return
		}
		if c.OrgID != 7 || c.At.After(fuzzNow) || c.At.Before(fuzzNow.Add(-ContactMaxAge)) || !clean(c.Note) ||
			utf8.RuneCountInString(c.Note) > ContactNoteMax || !slices.Contains(ContactKinds, c.Kind) {
			t.Fatalf("%s: accepted %+v", body, c)
		}
	})
}

// FuzzNewRequest: an accepted report names an organization, a known
// category and topic, and storable texts within their limits.
func FuzzNewRequest(f *testing.F) {
	for _, s := range []string{`{"org_id":1,"category":"ordinary","title":"t"}`, `{"org_id":-1}`,
		`{"org_id":1,"category":"complex","title":" ","topic":"rights"}`, `{"org_id":1,"category":"ordinary","title":"t","description":"\u0000"}`,
		`{"org_id":9223372036854775807,"category":"ordinary","title":"\udfff"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var n NewRequest
		if json.Unmarshal(body, &n) != nil {
			return
		}
		if err := n.Normalize(); err != nil {
			invalidField(t, err)
			return
		}
		if n.OrgID <= 0 || !slices.Contains(RequestCategories, n.Category) || !slices.Contains(RequestTopics, n.Topic) ||
			n.Title == "" || !clean(n.Title) || !clean(n.Description) ||
			utf8.RuneCountInString(n.Title) > MaxTitleLen || utf8.RuneCountInString(n.Description) > MaxDescriptionLen {
			t.Fatalf("%s: accepted %+v", body, n)
		}
	})
}

// FuzzTransition: an accepted step has a version the column can hold,
// ids only for assign, a satisfaction of 1 to 5 only for verify, and a
// storable note.
func FuzzTransition(f *testing.F) {
	for _, s := range []string{`{"action":"start","version":1}`, `{"action":"verify","version":3,"satisfaction":5}`,
		`{"action":"verify","version":3,"satisfaction":1000000000}`, `{"action":"assign","version":1,"liaison_id":-1}`,
		`{"action":"assign","version":1,"unit_id":9223372036854775807}`, `{"action":"reject","version":99999999999,"note":"x"}`,
		`{"action":"resolve","version":1,"note":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var tr Transition
		if json.Unmarshal(body, &tr) != nil {
			return
		}
		if err := tr.Validate(); err != nil {
			invalidField(t, err)
			return
		}
		assign, verify := tr.Action == ActionAssign, tr.Action == ActionVerify
		switch {
		case !slices.Contains(TransitionActions, tr.Action), tr.Version < 1, tr.Version > math.MaxInt32:
			t.Fatalf("%s: accepted action %q version %d", body, tr.Action, tr.Version)
		case assign != (tr.LiaisonID != nil || tr.UnitID != nil),
			tr.LiaisonID != nil && *tr.LiaisonID <= 0, tr.UnitID != nil && *tr.UnitID <= 0:
			t.Fatalf("%s: accepted ids %v %v", body, tr.LiaisonID, tr.UnitID)
		case verify != (tr.Satisfaction != nil), verify && (*tr.Satisfaction < 1 || *tr.Satisfaction > 5):
			t.Fatalf("%s: accepted satisfaction %v", body, tr.Satisfaction)
		case !clean(tr.Note), utf8.RuneCountInString(tr.Note) > MaxNoteLen:
			t.Fatalf("%s: accepted note %q", body, tr.Note)
		}
	})
}

// FuzzIdempotencyKey: an accepted key is 1 to MaxIdempotencyKey
// printable ASCII characters.
func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{"a", "a b", strings.Repeat("k", 256), "", "ключ", "\x7f", "550e8400-e29b-41d4-a716-446655440000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if err := ValidIdempotencyKey(key); err != nil {
			invalidField(t, err)
			return
		}
		if key == "" || len(key) > MaxIdempotencyKey || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
			t.Fatalf("accepted key %q", key)
		}
	})
}

// FuzzLooksLikeToken: what passes for a token has the prefix and length
// of one, and hashing any string is safe and fixed-size.
func FuzzLooksLikeToken(f *testing.F) {
	secret, _ := NewSecret(TokenPrefix)
	for _, s := range []string{secret, "ggt_", "garbage", "ggt_" + strings.Repeat("é", 43), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if LooksLikeToken(s) && (!strings.HasPrefix(s, TokenPrefix) || len(s) != len(TokenPrefix)+43) {
			t.Fatalf("%q passes for a token", s)
		}
		if h := HashSecret(s); len(h) == 0 || !bytes.Equal(h, HashSecret(s)) {
			t.Fatalf("%q: unstable hash", s)
		}
	})
}
