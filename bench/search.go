package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"gridgis/grid"
	"gridgis/grid/postgis"
)

// searchCase is one query of the search box, measured as the endpoint,
// as its bare SQL, and as its bare SQL without the trigram indexes.
type searchCase struct {
	name, text string
	q          grid.SearchQuery
	matches    int64 // organizations whose name or address holds the text
}

// searchCases picks queries from the loaded data: three characters from
// inside a name (few matches), the zone's city (most organizations), three
// characters no name has, a whole credit code, and two characters (a
// prefix only).
func searchCases(ctx context.Context, db *postgis.DB) ([]searchCase, error) {
	var name, code string
	if err := db.Pool.QueryRow(ctx, `SELECT name, uscc FROM organization WHERE active
ORDER BY id OFFSET (SELECT count(*) / 2 FROM organization WHERE active) LIMIT 1`).Scan(&name, &code); err != nil {
		return nil, err
	}
	r := []rune(name)
	if len(r) < 8 {
		return nil, fmt.Errorf("organization name %q too short to pick from", name)
	}
	defs := []struct{ name, text string }{
		{"3 chars, rare", string(r[3:6])},
		{"3 chars, common", string(r[:3])},
		{"3 chars, none", "甲乙丙"},
		{"credit code", code},
		{"2 chars, prefix", string(r[:2])},
	}
	var out []searchCase
	for _, d := range defs {
		q, err := grid.ParseSearch(d.text, grid.DefaultSearchLimit)
		if err != nil {
			return nil, err
		}
		q.Scope = admin
		c := searchCase{name: d.name, text: d.text, q: q}
		pattern := "%" + grid.LikeEscape(d.text) + "%"
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM organization WHERE active AND (name ILIKE $1 OR address ILIKE $1)`,
			pattern).Scan(&c.matches); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// bareSearch runs the endpoint's statement through pgx and returns the
// ids found, in order. Without the index, the statement runs in a
// transaction with bitmap scans off: a GIN index is read only through
// bitmap scans, so the trigram indexes are out while the B-tree ones
// (prefixes, codes, primary keys) stay.
func bareSearch(ctx context.Context, db *postgis.DB, q grid.SearchQuery, withIndex bool) ([]string, error) {
	sql, args := postgis.SearchSQL(q)
	var rows pgx.Rows
	var err error
	if withIndex {
		rows, err = db.Pool.Query(ctx, sql, append([]any{postgis.MapQueryMode}, args...)...)
	} else {
		var tx pgx.Tx
		if tx, err = db.Pool.Begin(ctx); err != nil {
			return nil, err
		}
		defer func() { _ = tx.Rollback(ctx) }() // read only
		if _, err = tx.Exec(ctx, "SET LOCAL enable_bitmapscan = off"); err != nil {
			return nil, err
		}
		rows, err = tx.Query(ctx, sql, append([]any{postgis.MapQueryMode}, args...)...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		ids = append(ids, fmt.Sprintf("%v/%v", vals[0], vals[1]))
	}
	return ids, rows.Err()
}

// endpointSearch calls GET /api/v1/search and returns the ids found.
func endpointSearch(ctx context.Context, c *client, q grid.SearchQuery) ([]string, error) {
	body, _, err := c.get(ctx, "/api/v1/search?limit="+fmt.Sprint(q.Limit)+"&q="+url.QueryEscape(q.Text), false, true)
	if err != nil {
		return nil, err
	}
	var got struct {
		Results []struct {
			Kind string `json:"kind"`
			ID   int64  `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return nil, err
	}
	ids := make([]string, len(got.Results))
	for i, r := range got.Results {
		ids[i] = fmt.Sprintf("%s/%d", r.Kind, r.ID)
	}
	return ids, nil
}

// measureSearch times each case: the endpoint and its bare SQL taking
// turns, then the bare SQL without the trigram indexes (fewer runs: a
// sequential scan of a million rows takes a while).
func measureSearch(ctx context.Context, db *postgis.DB, c *client, o options) error {
	cases, err := searchCases(ctx, db)
	if err != nil {
		return err
	}
	fmt.Println()
	type row struct {
		c                  searchCase
		found              int
		bare, end, noIndex stats
	}
	var rows []row
	for _, sc := range cases {
		fmt.Printf("measuring search %-16s q=%s\n", sc.name, sc.text)
		bare, err := bareSearch(ctx, db, sc.q, true)
		if err != nil {
			return fmt.Errorf("search %s: bare SQL: %w", sc.name, err)
		}
		end, err := endpointSearch(ctx, c, sc.q)
		if err != nil {
			return err
		}
		if !slices.Equal(bare, end) {
			return fmt.Errorf("search %s: the endpoint found %v, the bare SQL %v", sc.name, end, bare)
		}
		bareCall := func(ctx context.Context) error { _, err := bareSearch(ctx, db, sc.q, true); return err }
		endCall := func(ctx context.Context) error { _, err := endpointSearch(ctx, c, sc.q); return err }
		noIndexCall := func(ctx context.Context) error { _, err := bareSearch(ctx, db, sc.q, false); return err }
		if err := warmUp(ctx, 3, bareCall, endCall); err != nil {
			return err
		}
		one, err := interleaved(ctx, o.budget, bareCall, endCall)
		if err != nil {
			return err
		}
		slow, err := interleaved(ctx, budget{minTime: time.Second, minRuns: 5}, noIndexCall)
		if err != nil {
			return err
		}
		rows = append(rows, row{c: sc, found: len(bare), bare: one[0], end: one[1], noIndex: slow[0]})
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t") }
	fmt.Println("\nSearch (GET /api/v1/search, limit 5 per kind, as an admin; concurrency 1); times in ms.")
	fmt.Println("\"no trigram index\" is the bare SQL with bitmap scans off, which takes the GIN indexes out:")
	line("query", "text", "orgs matching", "results", "bare p50", "bare p99", "endpoint p50", "p99", "ratio p50", "no trigram index p50", "index speed-up")
	for _, r := range rows {
		line(r.c.name, r.c.text, thousands(r.c.matches), fmt.Sprint(r.found), ms(r.bare.p50), ms(r.bare.p99),
			ms(r.end.p50), ms(r.end.p99), fmt.Sprintf("%.2f×", ratio(r.end.p50, r.bare.p50)),
			ms(r.noIndex.p50), fmt.Sprintf("%.0f×", ratio(r.noIndex.p50, r.bare.p50)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Println("\nTargets (issue 14: a three-character Chinese query under 50 ms p50 at a million organizations):")
	for _, r := range rows {
		if threeChineseChars(r.c.text) {
			fmt.Println(searchLine(r.c.name, r.c.text, r.end.p50))
		}
	}
	return nil
}

// threeChineseChars reports whether text is three Han characters.
func threeChineseChars(text string) bool {
	r := []rune(text)
	if len(r) != 3 {
		return false
	}
	for _, c := range r {
		if !unicode.Is(unicode.Han, c) {
			return false
		}
	}
	return true
}

// searchLine is the target line of a search whose endpoint p50 is p50.
func searchLine(name, text string, p50 time.Duration) string {
	return fmt.Sprintf("search %-16s %s endpoint p50 %s ms (target < %s ms): %s",
		name, text, ms(p50), ms(searchTarget), verdict(p50 < searchTarget))
}
