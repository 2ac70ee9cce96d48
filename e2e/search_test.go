package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSearchInBrowser: a liaison on a phone finds one of their companies
// by three characters of its name and taps it, and its panel opens with
// the address; an admin finds one by credit code with the keyboard
// (frontend/e2e/search.e2e.mjs).
func TestSearchInBrowser(t *testing.T) {
	url, db := serveForBrowser(t)
	ctx := context.Background()

	// A demo liaison who can sign in, and their organizations.
	rows, err := db.Pool.Query(ctx, `SELECT u.username, o.id, o.name, o.address, o.uscc
FROM app_user u
JOIN assignment a ON a.liaison_id = u.liaison_id AND a.valid_to IS NULL
JOIN organization o ON o.id = a.org_id AND o.active AND o.geom IS NOT NULL
WHERE u.role = 'liaison' AND NOT u.disabled
  AND u.liaison_id = (SELECT min(u2.liaison_id) FROM app_user u2 WHERE u2.role = 'liaison' AND NOT u2.disabled)
ORDER BY o.id`)
	if err != nil {
		t.Fatal(err)
	}
	type org struct {
		id                  int64
		name, address, code string
	}
	var user string
	var orgs []org
	for rows.Next() {
		var o org
		if err := rows.Scan(&user, &o.id, &o.name, &o.address, &o.code); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Three characters from inside a name (not its beginning) that only
	// that one of the liaison's organizations has.
	var pick org
	var text string
	for _, o := range orgs {
		if o.address == "" {
			continue
		}
		r := []rune(o.name)
		for i := 2; i+3 <= len(r) && text == ""; i++ {
			sub, n := string(r[i:i+3]), 0
			for _, other := range orgs {
				if strings.Contains(other.name, sub) {
					n++
				}
			}
			if n == 1 {
				pick, text = o, sub
			}
		}
		if text != "" {
			break
		}
	}
	if text == "" {
		t.Fatalf("no organization of liaison %s has three characters of its own (%d organizations)", user, len(orgs))
	}
	t.Logf("liaison %s searches %q for %s (#%d)", user, text, pick.name, pick.id)

	runBrowserScript(t, url, "search.e2e.mjs", 4*time.Minute, append(append(liaisonLogin(user), logins("admin")...),
		"E2E_SEARCH_TEXT="+text, "E2E_SEARCH_ORG_ID="+strconv.FormatInt(pick.id, 10),
		"E2E_SEARCH_ADDRESS="+pick.address, "E2E_SEARCH_USCC="+orgs[len(orgs)-1].code)...)
}
