package grid

import (
	"strings"
	"testing"
)

func TestParseSearchRefusesBadQueries(t *testing.T) {
	for _, tt := range []struct {
		name, q string
		limit   int
		field   string
	}{
		{"empty", "", 0, "q"},
		{"only spaces", "  \t ", 0, "q"},
		{"too long", strings.Repeat("华", MaxSearchRunes+1), 0, "q"},
		{"invalid UTF-8", "华\xff为", 0, "q"},
		{"NUL", "华\x00为", 0, "q"},
		{"limit too small", "华为", -1, "limit"},
		{"limit too large", "华为", MaxSearchLimit + 1, "limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSearch(tt.q, tt.limit)
			e, ok := err.(*Error)
			if !ok || e.Code != EInvalid || e.Field != tt.field {
				t.Fatalf("ParseSearch(%q, %d) = %v, want EInvalid on %s", tt.q, tt.limit, err, tt.field)
			}
		})
	}
}

func TestParseSearchReadsCodesNumbersAndLength(t *testing.T) {
	for _, tt := range []struct {
		q, text, code string
		number        int64
		contains      bool
	}{
		{"  华创  新 ", "华创 新", "", 0, true},
		{"华创", "华创", "", 0, false},
		{"91410471ma007xbw81", "91410471ma007xbw81", "91410471MA007XBW81", 0, true},
		{"#123", "#123", "", 123, true},
		{"42", "42", "42", 42, false},
		{"g01", "g01", "G01", 0, true},
		{strings.Repeat("华", MaxSearchRunes), strings.Repeat("华", MaxSearchRunes), "", 0, true},
		// No letter or digit: no trigram for an index to use, so beginnings only.
		{"!!!", "!!!", "", 0, false},
		{"。。。", "。。。", "", 0, false},
		{"___", "___", "___", 0, false},
		{"科技!", "科技!", "", 0, true},
	} {
		q, err := ParseSearch(tt.q, 0)
		if err != nil {
			t.Fatalf("ParseSearch(%q): %v", tt.q, err)
		}
		if q.Text != tt.text || q.Code != tt.code || q.Number != tt.number || q.Contains() != tt.contains || q.Limit != DefaultSearchLimit {
			t.Errorf("ParseSearch(%q) = %+v (contains %v), want text %q code %q number %d contains %v",
				tt.q, q, q.Contains(), tt.text, tt.code, tt.number, tt.contains)
		}
	}
}

func TestLikeEscapeKeepsWildcardsLiteral(t *testing.T) {
	if got := LikeEscape(`100%_a\b`); got != `100\%\_a\\b` {
		t.Errorf("LikeEscape = %q", got)
	}
}
