package grid

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"gridgis/geo"
)

// SearchKind is what a search result is.
type SearchKind string

// The kinds of search results, in the order results are grouped.
const (
	SearchOrg     SearchKind = "org"
	SearchRequest SearchKind = "request"
	SearchLiaison SearchKind = "liaison"
	SearchGrid    SearchKind = "grid"
)

// SearchKinds lists every kind, in result order.
var SearchKinds = []SearchKind{SearchOrg, SearchRequest, SearchLiaison, SearchGrid}

// SearchMatch says how a result matched, best first; results rank by it.
type SearchMatch int

// The matches.
const (
	MatchExact    SearchMatch = iota // the whole credit code, grid code or request number
	MatchPrefix                      // a name or code begins with the query
	MatchContains                    // a name, address or title contains it
)

// String is the match as the API names it.
func (m SearchMatch) String() string {
	return [...]string{"exact", "prefix", "contains"}[m]
}

// Limits of a search.
const (
	MaxSearchRunes     = 100
	DefaultSearchLimit = 5  // per kind
	MaxSearchLimit     = 20 // per kind
	// MinContainsRunes is the shortest query matched anywhere in a text:
	// a trigram index serves substrings of three characters or more; a
	// shorter query matches beginnings only (see migrations/012_search.sql).
	MinContainsRunes = 3
)

// SearchQuery is a checked search: what to look for, for whom, and how
// many results of each kind.
type SearchQuery struct {
	Scope Scope
	// Text is the query as typed, trimmed, with runs of spaces as one.
	Text string
	// Code is Text in upper case when it could be (part of) a credit code
	// or grid code: letters and digits only.
	Code string
	// Number is the request id Text names ("123" or "#123"), else 0.
	Number int64
	Limit  int
}

// Contains reports whether the query may match inside texts: long enough,
// and with a letter or digit, since pg_trgm takes trigrams from words only
// and a query of punctuation alone would read every row.
func (q SearchQuery) Contains() bool {
	return utf8.RuneCountInString(q.Text) >= MinContainsRunes &&
		strings.IndexFunc(q.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// ParseSearch checks a query and a per-kind limit (0 for the default),
// naming the offending field.
func ParseSearch(text string, limit int) (SearchQuery, error) {
	if !cleanText(text) {
		return SearchQuery{}, Invalid("q", "must be valid UTF-8 text without NUL characters / 须为有效文本")
	}
	text = strings.Join(strings.Fields(text), " ")
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return SearchQuery{}, Invalid("q", "must not be empty / 请输入要搜索的内容")
	case n > MaxSearchRunes:
		return SearchQuery{}, Invalid("q", "must be at most %d characters / 最多 %d 个字", MaxSearchRunes, MaxSearchRunes)
	}
	switch {
	case limit == 0:
		limit = DefaultSearchLimit
	case limit < 1 || limit > MaxSearchLimit:
		return SearchQuery{}, Invalid("limit", "must be 1 to %d", MaxSearchLimit)
	}
	q := SearchQuery{Text: text, Limit: limit}
	if isCodeLike(text) {
		q.Code = strings.ToUpper(text)
	}
	if digits := strings.TrimPrefix(text, "#"); digits != "" && len(digits) <= 18 && allDigits(digits) {
		for _, r := range digits {
			q.Number = q.Number*10 + int64(r-'0')
		}
	}
	return q, nil
}

// isCodeLike reports whether s has only ASCII letters and digits, as
// credit codes and grid codes do (grid codes also - and _).
func isCodeLike(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// LikeEscape escapes the LIKE wildcards in s (with backslash, LIKE's
// default escape), so that what users type matches as typed.
func LikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchResult is one thing found: what it is, how to show it and where
// to fly to.
type SearchResult struct {
	Kind     SearchKind
	ID       int64
	Label    string // the name or title
	Sublabel string // credit code and address, grid name, status
	Match    SearchMatch
	// Point is where the map flies to; nil for an organization not yet
	// located.
	Point *orb.Point
	// BBox is the extent to fit, for a grid.
	BBox *geo.BBox
}

// SearchStore finds things by what users remember of them.
type SearchStore interface {
	// Search returns up to q.Limit results of each kind within q.Scope,
	// grouped by kind in SearchKinds order, each kind ranked by match,
	// then by similarity to the query, then by label.
	Search(ctx context.Context, q SearchQuery) ([]SearchResult, error)
}
