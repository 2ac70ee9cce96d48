package server_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridgis/server"
)

// hostileCase is one malformed or hostile request and the answer the API
// documents for it.
type hostileCase struct {
	name    string
	who     persona
	method  string
	target  string
	body    string
	headers []string // name, value pairs; they replace the defaults
	status  int
	code    string // the problem's code; "" when the answer is no problem
	field   string // the problem's field, when it names one
	// notIn is text the answer must not contain (a leaked file).
	notIn string
}

// writtenState is what a write would change: the row count of every
// table a route writes, and checksums of the rows a write could alter in
// place.
func writtenState(t *testing.T, fx *fixture) string {
	t.Helper()
	var state string
	err := fx.db.Pool.QueryRow(context.Background(), `SELECT concat_ws(' ',
  (SELECT count(*) FROM organization), (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM organization o),
  (SELECT count(*) FROM contact), (SELECT count(*) FROM request),
  (SELECT md5(string_agg(concat_ws('/', id, version, status, liaison_id, unit_id, satisfaction), ',' ORDER BY id)) FROM request),
  (SELECT count(*) FROM request_event), (SELECT count(*) FROM api_token),
  (SELECT count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM api_token),
  (SELECT count(*) FROM audit_log), (SELECT count(*) FROM assignment),
  (SELECT md5(string_agg(concat_ws('/', id, liaison_id, valid_to, pinned), ',' ORDER BY id)) FROM assignment),
  (SELECT count(*) FROM rebalance_plan), (SELECT count(*) FROM session), (SELECT count(*) FROM app_user))`).Scan(&state)
	if err != nil {
		t.Fatalf("read written state: %v", err)
	}
	return state
}

// cursorOf is a cursor holding text that is not a valid last id.
func cursorOf(text string) string { return base64.RawURLEncoding.EncodeToString([]byte(text)) }

// TestHostileInput throws malformed and hostile requests at every route
// that reads client input: each gets its documented 4xx problem naming
// the field, nothing is written, and the server is healthy afterwards.
func TestHostileInput(t *testing.T) {
	fx := setup(t)
	org := fx.orgs[24] // no other test changes it
	var orgVersion int
	if err := fx.db.Pool.QueryRow(context.Background(), `SELECT version FROM organization WHERE id = $1`, org.ID).Scan(&orgVersion); err != nil {
		t.Fatal(err)
	}
	// Transitions are refused before any request is read: the request
	// need not exist, and the shared fixture keeps its requests.
	req := struct {
		ID      int64
		Version int
	}{ID: 1, Version: 1}

	orgPath := fmt.Sprintf("/api/v1/organizations/%d", org.ID)
	reqPath := fmt.Sprintf("/api/v1/requests/%d", req.ID)
	patch := func(fields string) string { return fmt.Sprintf(`{"version":%d,%s}`, orgVersion, fields) }
	transition := func(fields string) string { return fmt.Sprintf(`{"version":%d,%s}`, req.Version, fields) }
	newRequest := func(fields string) string {
		return fmt.Sprintf(`{"org_id":%d,"category":"ordinary","title":"t",%s}`, fx.orgs[0].ID, fields)
	}
	long := strings.Repeat("长", 10000)
	nested := strings.Repeat("[", 1500) + strings.Repeat("]", 1500)
	const (
		bad     = "invalid"
		tooBig  = "too_large"
		unauth  = "unauthorized"
		missing = "not_found"
	)
	get, post, patchM, put, del := http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete

	cases := []hostileCase{
		// Sign-in: refused before any password is checked.
		{name: "session array body", who: anonymous, method: post, target: "/api/v1/session", body: `[]`, status: 400, code: bad, field: "body"},
		{name: "session null body", who: anonymous, method: post, target: "/api/v1/session", body: `null`, status: 400, code: bad, field: "username"},
		{name: "session trailing data", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"a","password":"b"} {}`, status: 400, code: bad, field: "body"},
		{name: "session wrong content type", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"a","password":"b"}`, headers: []string{"Content-Type", "text/plain"}, status: 400, code: bad, field: "Content-Type"},
		{name: "session truncated JSON", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"a","pass`, status: 400, code: bad, field: "body"},
		{name: "session number for username", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":1e400,"password":"b"}`, status: 400, code: bad, field: "username"},
		{name: "session deeply nested", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":` + nested + `}`, status: 400, code: bad, field: "username"},
		{name: "session unknown field", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"a","password":"b","admin":true}`, status: 400, code: bad, field: "admin"},
		{name: "session username 10k chars", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"` + strings.Repeat("a", 3000) + `","password":"b"}`, status: 400, code: bad, field: "username"},
		{name: "session body over limit", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"` + long + `"}`, status: 413, code: tooBig},
		// The sign-in route (auth.go, not this change's) names no field here.
		{name: "session NUL in username", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"t-admin\u0000","password":"b"}`, status: 400, code: bad},
		{name: "session cross-site", who: anonymous, method: post, target: "/api/v1/session", body: `{"username":"a","password":"b"}`, headers: []string{"Sec-Fetch-Site", "cross-site"}, status: 403, code: "forbidden"},

		// Credentials in headers and cookies.
		{name: "bearer garbage", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Authorization", "Bearer garbage"}, status: 401, code: unauth},
		{name: "basic auth", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, status: 401, code: unauth},
		{name: "bearer unknown token", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Authorization", "Bearer ggt_" + strings.Repeat("A", 43)}, status: 401, code: unauth},
		{name: "bearer long header", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Authorization", "Bearer " + strings.Repeat("x", 3000)}, status: 401, code: unauth},
		{name: "garbage session cookie", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Cookie", "gridgis_session=%00%ff' OR 1=1--"}, status: 401, code: unauth},
		{name: "long session cookie", who: anonymous, method: get, target: "/api/v1/me", headers: []string{"Cookie", "gridgis_session=" + strings.Repeat("z", 3000)}, status: 401, code: unauth},

		// Tokens.
		{name: "token expiry beyond int64", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"t","expires_in_days":99999999999999999999}`, status: 400, code: bad, field: "expires_in_days"},
		{name: "token expiry huge", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"t","expires_in_days":99999999999}`, status: 400, code: bad, field: "expires_in_days"},
		{name: "token expiry exponent", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"t","expires_in_days":1e3}`, status: 400, code: bad, field: "expires_in_days"},
		{name: "token expiry string", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"t","expires_in_days":"7"}`, status: 400, code: bad, field: "expires_in_days"},
		{name: "token name null", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":null}`, status: 400, code: bad, field: "name"},
		{name: "token name NUL", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"a\u0000b"}`, status: 400, code: bad, field: "name"},
		{name: "token name control characters", who: admin, method: post, target: "/api/v1/tokens", body: `{"name":"a\u001b[31mb"}`, status: 400, code: bad, field: "name"},
		{name: "revoke token id beyond int64", who: admin, method: del, target: "/api/v1/tokens/9223372036854775808", status: 400, code: bad, field: "id"},
		{name: "revoke token max id", who: admin, method: del, target: "/api/v1/tokens/9223372036854775807", status: 404, code: missing},
		{name: "audit limit exponent", who: admin, method: get, target: "/api/v1/audit?limit=1e20", status: 400, code: bad, field: "limit"},
		{name: "audit before beyond int64", who: admin, method: get, target: "/api/v1/audit?before=9223372036854775808", status: 400, code: bad, field: "before"},
		{name: "audit before negative", who: admin, method: get, target: "/api/v1/audit?before=-1", status: 400, code: bad, field: "before"},

		// Grids and organizations: paths and query parameters.
		{name: "grid id zero", who: admin, method: get, target: "/api/v1/grids/0", status: 400, code: bad, field: "id"},
		{name: "grid id float", who: admin, method: get, target: "/api/v1/grids/1.5", status: 400, code: bad, field: "id"},
		{name: "parameter without a name", who: admin, method: get, target: "/api/v1/organizations?=1", status: 400, code: bad, field: "query"},
		{name: "member without a name", who: admin, method: post, target: "/api/v1/tokens", body: `{"":1}`, status: 400, code: bad, field: "body"},
		{name: "grids unknown parameter", who: admin, method: get, target: "/api/v1/grids?debug=1", status: 400, code: bad, field: "debug"},
		{name: "orgs inverted bbox", who: admin, method: get, target: "/api/v1/organizations?bbox=114,34,113,33", status: 400, code: bad, field: "bbox"},
		{name: "orgs NaN bbox", who: admin, method: get, target: "/api/v1/organizations?bbox=NaN,33,114,34", status: 400, code: bad, field: "bbox"},
		{name: "orgs infinite bbox", who: admin, method: get, target: "/api/v1/organizations?bbox=-Inf,33,114,34", status: 400, code: bad, field: "bbox"},
		{name: "orgs huge bbox", who: admin, method: get, target: "/api/v1/organizations?bbox=-1e308,-1e308,1e308,1e308", status: 400, code: bad, field: "bbox"},
		{name: "orgs bbox of 3 numbers", who: admin, method: get, target: "/api/v1/organizations?bbox=1,2,3", status: 400, code: bad, field: "bbox"},
		{name: "orgs limit exponent", who: admin, method: get, target: "/api/v1/organizations?limit=1e20", status: 400, code: bad, field: "limit"},
		{name: "orgs limit beyond int64", who: admin, method: get, target: "/api/v1/organizations?limit=99999999999999999999", status: 400, code: bad, field: "limit"},
		{name: "orgs limit zero", who: admin, method: get, target: "/api/v1/organizations?limit=0", status: 400, code: bad, field: "limit"},
		{name: "orgs limit twice", who: admin, method: get, target: "/api/v1/organizations?limit=1&limit=2", status: 400, code: bad, field: "limit"},
		{name: "orgs bad cursor", who: admin, method: get, target: "/api/v1/organizations?cursor=!!!", status: 400, code: bad, field: "cursor"},
		{name: "orgs negative cursor", who: admin, method: get, target: "/api/v1/organizations?cursor=" + cursorOf("-5"), status: 400, code: bad, field: "cursor"},
		{name: "orgs cursor beyond int64", who: admin, method: get, target: "/api/v1/organizations?cursor=" + cursorOf("9223372036854775808"), status: 400, code: bad, field: "cursor"},
		{name: "orgs grid beyond int64", who: admin, method: get, target: "/api/v1/organizations?grid=9223372036854775808", status: 400, code: bad, field: "grid"},
		{name: "orgs unknown kind", who: admin, method: get, target: "/api/v1/organizations?kind=../../etc", status: 400, code: bad, field: "kind"},
		{name: "orgs query 3k chars", who: admin, method: get, target: "/api/v1/organizations?q=" + strings.Repeat("a", 3000), status: 400, code: bad, field: "q"},
		{name: "orgs query invalid UTF-8", who: admin, method: get, target: "/api/v1/organizations?q=%ff%fe", status: 400, code: bad, field: "q"},
		{name: "orgs query NUL", who: admin, method: get, target: "/api/v1/organizations?q=a%00b", status: 400, code: bad, field: "q"},
		{name: "orgs industry NUL", who: admin, method: get, target: "/api/v1/organizations?industry=%00", status: 400, code: bad, field: "industry"},
		{name: "org id beyond int64", who: admin, method: get, target: "/api/v1/organizations/9223372036854775808", status: 400, code: bad, field: "id"},
		{name: "org max id", who: admin, method: get, target: "/api/v1/organizations/9223372036854775807", status: 404, code: missing},

		// PATCH organization: out-of-range values name their field.
		{name: "patch employees beyond int32", who: admin, method: patchM, target: orgPath, body: patch(`"employees":99999999999`), status: 400, code: bad, field: "employees"},
		{name: "patch party members beyond int32", who: admin, method: patchM, target: orgPath, body: patch(`"employees":99999999999,"party_members":99999999999`), status: 400, code: bad, field: "employees"},
		{name: "patch employees negative", who: admin, method: patchM, target: orgPath, body: patch(`"employees":-1`), status: 400, code: bad, field: "employees"},
		{name: "patch employees float", who: admin, method: patchM, target: orgPath, body: patch(`"employees":1.5`), status: 400, code: bad, field: "employees"},
		{name: "patch employees beyond int64", who: admin, method: patchM, target: orgPath, body: patch(`"employees":1e20`), status: 400, code: bad, field: "employees"},
		{name: "patch version beyond int32", who: admin, method: patchM, target: orgPath, body: `{"version":99999999999,"employees":60}`, status: 400, code: bad, field: "version"},
		{name: "patch version null", who: admin, method: patchM, target: orgPath, body: `{"version":null,"employees":60}`, status: 400, code: bad, field: "version"},
		{name: "patch name NUL", who: admin, method: patchM, target: orgPath, body: patch(`"name":"a\u0000b"`), status: 400, code: bad, field: "name"},
		{name: "patch address NUL", who: admin, method: patchM, target: orgPath, body: patch(`"address":"\u0000"`), status: 400, code: bad, field: "address"},
		{name: "patch industry NUL", who: admin, method: patchM, target: orgPath, body: patch(`"industry":"物流\u0000"`), status: 400, code: bad, field: "industry"},
		{name: "patch name 10k chars", who: admin, method: patchM, target: orgPath, body: patch(`"name":"` + strings.Repeat("a", 3000) + `"`), status: 400, code: bad, field: "name"},
		{name: "patch array body", who: admin, method: patchM, target: orgPath, body: `[{"version":1}]`, status: 400, code: bad, field: "body"},
		{name: "patch unknown party org", who: admin, method: patchM, target: orgPath, body: patch(`"party_org":"secret"`), status: 400, code: bad, field: "party_org"},
		{name: "patch unknown field", who: admin, method: patchM, target: orgPath, body: patch(`"uscc":"x"`), status: 400, code: bad, field: "uscc"},
		{name: "patch duplicate keys", who: admin, method: patchM, target: orgPath, body: patch(`"employees":60,"employees":-5`), status: 400, code: bad, field: "employees"},
		{name: "patch wrong content type", who: admin, method: patchM, target: orgPath, body: patch(`"employees":60`), headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 400, code: bad, field: "Content-Type"},

		// Contacts.
		{name: "contact unknown kind", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"call"}`, status: 400, code: bad, field: "kind"},
		{name: "contact bad date", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"visit","at":"2025-13-45T99:00:00Z"}`, status: 400, code: bad, field: "at"},
		{name: "contact year zero", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"visit","at":"0000-01-01T00:00:00Z"}`, status: 400, code: bad, field: "at"},
		{name: "contact far future", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"visit","at":"9999-12-31T23:59:59Z"}`, status: 400, code: bad, field: "at"},
		{name: "contact note NUL", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"visit","note":"\u0000"}`, status: 400, code: bad, field: "note"},
		{name: "contact note 10k chars", who: admin, method: post, target: orgPath + "/contacts", body: `{"kind":"visit","note":"` + strings.Repeat("a", 10000) + `"}`, status: 400, code: bad, field: "note"},
		{name: "contact org beyond int64", who: admin, method: post, target: "/api/v1/organizations/99999999999999999999/contacts", body: `{"kind":"visit"}`, status: 400, code: bad, field: "id"},
		{name: "contacts limit negative", who: admin, method: get, target: orgPath + "/contacts?limit=-1", status: 400, code: bad, field: "limit"},
		{name: "contacts bad cursor", who: admin, method: get, target: orgPath + "/contacts?cursor=" + cursorOf("0"), status: 400, code: bad, field: "cursor"},

		// Requests.
		{name: "request org beyond int64", who: admin, method: post, target: "/api/v1/requests", body: `{"org_id":9223372036854775808,"category":"ordinary","title":"t"}`, status: 400, code: bad, field: "org_id"},
		{name: "request org exponent", who: admin, method: post, target: "/api/v1/requests", body: `{"org_id":1e2,"category":"ordinary","title":"t"}`, status: 400, code: bad, field: "org_id"},
		{name: "request category null", who: admin, method: post, target: "/api/v1/requests", body: `{"org_id":1,"category":null,"title":"t"}`, status: 400, code: bad, field: "category"},
		{name: "request title NUL", who: admin, method: post, target: "/api/v1/requests", body: newRequest(`"description":"\u0000"`), status: 400, code: bad, field: "description"},
		{name: "request title 10k chars", who: admin, method: post, target: "/api/v1/requests", body: `{"org_id":1,"category":"ordinary","title":"` + long + `"}`, status: 400, code: bad, field: "title"},
		{name: "request idempotency key with spaces", who: admin, method: post, target: "/api/v1/requests", body: newRequest(`"topic":"rights"`), headers: []string{"Idempotency-Key", "a b"}, status: 400, code: bad, field: "Idempotency-Key"},
		{name: "request idempotency key too long", who: admin, method: post, target: "/api/v1/requests", body: newRequest(`"topic":"rights"`), headers: []string{"Idempotency-Key", strings.Repeat("k", 300)}, status: 400, code: bad, field: "Idempotency-Key"},
		{name: "request id not a number", who: admin, method: get, target: "/api/v1/requests/abc", status: 400, code: bad, field: "id"},
		{name: "requests bad status", who: admin, method: get, target: "/api/v1/requests?status=%00", status: 400, code: bad, field: "status"},
		{name: "requests bad overdue", who: admin, method: get, target: "/api/v1/requests?overdue=1", status: 400, code: bad, field: "overdue"},
		{name: "transition satisfaction huge", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":"verify","satisfaction":1000000000`), status: 400, code: bad, field: "satisfaction"},
		{name: "transition satisfaction beyond int64", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":"verify","satisfaction":1e30`), status: 400, code: bad, field: "satisfaction"},
		{name: "transition version beyond int32", who: admin, method: post, target: reqPath + "/transitions", body: `{"version":99999999999,"action":"start"}`, status: 400, code: bad, field: "version"},
		{name: "transition unknown action", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":"delete"`), status: 400, code: bad, field: "action"},
		{name: "transition negative liaison", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":"assign","liaison_id":-1`), status: 400, code: bad, field: "liaison_id"},
		{name: "transition note NUL", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":"reject","note":"\u0000"`), status: 400, code: bad, field: "note"},
		{name: "transition object for action", who: admin, method: post, target: reqPath + "/transitions", body: transition(`"action":{"x":1}`), status: 400, code: bad, field: "action"},

		// Tiles.
		{name: "tile zoom too deep", who: admin, method: get, target: "/api/v1/tiles/organizations/21/0/0.mvt", status: 400, code: bad, field: "z"},
		{name: "tile huge zoom", who: admin, method: get, target: "/api/v1/tiles/organizations/99999999999/0/0.mvt", status: 400, code: bad, field: "z"},
		{name: "tile negative x", who: admin, method: get, target: "/api/v1/tiles/organizations/3/-1/0.mvt", status: 400, code: bad, field: "x"},
		{name: "tile x beyond zoom", who: admin, method: get, target: "/api/v1/tiles/organizations/3/8/0.mvt", status: 400, code: bad, field: "x"},
		{name: "tile y exponent", who: admin, method: get, target: "/api/v1/tiles/organizations/3/0/1e1.mvt", status: 400, code: bad, field: "y"},
		{name: "tile unknown layer", who: admin, method: get, target: "/api/v1/tiles/..%2f..%2fetc/0/0/0.mvt", status: 400, code: bad, field: "layer"},
		{name: "tile query parameter", who: admin, method: get, target: "/api/v1/tiles/grids/0/0/0.mvt?z=1", status: 400, code: bad, field: "z"},
		{name: "tilejson unknown layer", who: admin, method: get, target: "/api/v1/tiles/passwd.json", status: 400, code: bad, field: "layer"},

		// Coverage and stats.
		{name: "coverage without indicator", who: admin, method: get, target: "/api/v1/coverage", status: 400, code: bad, field: "indicator"},
		{name: "coverage unknown indicator", who: admin, method: get, target: "/api/v1/coverage?indicator=1;DROP", status: 400, code: bad, field: "indicator"},
		{name: "coverage gaps bad grid", who: admin, method: get, target: "/api/v1/coverage/gaps?indicator=liaison&grid=-1", status: 400, code: bad, field: "grid"},
		{name: "stats bad month", who: admin, method: get, target: "/api/v1/stats?from=2025-13-01", status: 400, code: bad, field: "from"},
		{name: "stats inverted range", who: admin, method: get, target: "/api/v1/stats?from=2025-06-01&to=2025-01-01", status: 400, code: bad, field: "from"},
		{name: "stats huge range", who: admin, method: get, target: "/api/v1/stats?from=0001-01-01&to=2025-01-01", status: 400, code: bad, field: "from"},
		{name: "stats far future to", who: admin, method: get, target: "/api/v1/stats?to=9999-12-31", status: 400, code: bad, field: "to"},
		{name: "stats unknown grouping", who: admin, method: get, target: "/api/v1/stats?by=user", status: 400, code: bad, field: "by"},
		{name: "stats number for date", who: admin, method: get, target: "/api/v1/stats?from=1e9", status: 400, code: bad, field: "from"},

		// Rebalance plans and hand assignment.
		{name: "plan min beyond int32", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"min":99999999999}`, status: 400, code: bad, field: "min"},
		{name: "plan max exponent", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"max":1e20}`, status: 400, code: bad, field: "max"},
		{name: "plan stability huge", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"stability":1e308}`, status: 400, code: bad, field: "stability"},
		{name: "plan weight negative", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"weights":{"other":-1}}`, status: 400, code: bad, field: "weights.other"},
		{name: "plan zone beyond int64", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"zone_id":9223372036854775808}`, status: 400, code: bad, field: "zone_id"},
		{name: "plan unknown zone", who: admin, method: post, target: "/api/v1/rebalance/plans", body: `{"zone_id":9223372036854775807}`, status: 400, code: bad, field: "zone_id"},
		{name: "plans limit exponent", who: planner, method: get, target: "/api/v1/rebalance/plans?limit=1e20", status: 400, code: bad, field: "limit"},
		{name: "plans bad cursor", who: planner, method: get, target: "/api/v1/rebalance/plans?cursor=%ff", status: 400, code: bad, field: "cursor"},
		{name: "plan max id", who: planner, method: get, target: "/api/v1/rebalance/plans/9223372036854775807", status: 404, code: missing},
		{name: "plan moves bad limit", who: planner, method: get, target: "/api/v1/rebalance/plans/1/moves?limit=NaN", status: 400, code: bad, field: "limit"},
		{name: "apply plan bad id", who: admin, method: post, target: "/api/v1/rebalance/plans/-1/apply", status: 400, code: bad, field: "id"},
		{name: "liaison id exponent", who: admin, method: put, target: orgPath + "/liaison", body: `{"liaison_id":1e30}`, status: 400, code: bad, field: "liaison_id"},
		{name: "liaison id string", who: admin, method: put, target: orgPath + "/liaison", body: `{"liaison_id":"1"}`, status: 400, code: bad, field: "liaison_id"},
		{name: "liaison id missing", who: admin, method: put, target: orgPath + "/liaison", body: `{"pinned":true}`, status: 400, code: bad, field: "liaison_id"},
		{name: "liaison pinned string", who: admin, method: put, target: orgPath + "/liaison", body: `{"liaison_id":null,"pinned":"yes"}`, status: 400, code: bad, field: "pinned"},

		// OGC API – Features.
		{name: "ogc negative limit", who: admin, method: get, target: "/ogc/collections/organizations/items?limit=-1", status: 400, code: bad, field: "limit"},
		{name: "ogc float limit", who: admin, method: get, target: "/ogc/collections/organizations/items?limit=1.5", status: 400, code: bad, field: "limit"},
		{name: "ogc other bbox crs", who: admin, method: get, target: "/ogc/collections/organizations/items?bbox-crs=EPSG:3857", status: 400, code: bad, field: "bbox-crs"},
		{name: "ogc NaN height", who: admin, method: get, target: "/ogc/collections/organizations/items?bbox=113,33,NaN,114,34,0", status: 400, code: bad, field: "bbox"},
		{name: "ogc inverted bbox", who: admin, method: get, target: "/ogc/collections/grids/items?bbox=114,34,113,33", status: 400, code: bad, field: "bbox"},
		{name: "ogc datetime", who: admin, method: get, target: "/ogc/collections/requests/items?datetime=2025-01-01T00:00:00Z", status: 400, code: bad, field: "datetime"},
		{name: "ogc format xml", who: admin, method: get, target: "/ogc/collections?f=xml", status: 400, code: bad, field: "f"},
		{name: "ogc bad cursor", who: admin, method: get, target: "/ogc/collections/liaisons/items?cursor=" + cursorOf("x"), status: 400, code: bad, field: "cursor"},
		{name: "ogc unknown collection", who: admin, method: get, target: "/ogc/collections/..%2f..%2fetc/items", status: 404, code: missing},
		{name: "ogc feature beyond int64", who: admin, method: get, target: "/ogc/collections/requests/items/9223372036854775808", status: 404, code: missing},

		// Methods, unknown routes and static paths.
		{name: "API path traversal", who: admin, method: get, target: "/api/v1/../../etc/passwd", status: 404, code: missing, notIn: "root:"},
		{name: "static traversal", who: anonymous, method: get, target: "/../../etc/passwd", status: 200, notIn: "root:"},
		{name: "static encoded traversal", who: anonymous, method: get, target: "/%2e%2e/%2e%2e/etc/passwd", status: 200, notIn: "root:"},
		// No such file under /assets/: 404, not index.html (it would be read as a script).
		{name: "static encoded slash traversal", who: anonymous, method: get, target: "/assets/..%2f..%2f..%2fetc%2fpasswd", status: 404, code: missing, notIn: "root:"},
		{name: "PUT on a read route", who: admin, method: put, target: "/api/v1/grids", body: `{}`, status: 404, code: missing},
		{name: "DELETE me", who: admin, method: del, target: "/api/v1/me", status: 404, code: missing},
		{name: "events unknown parameter", who: admin, method: get, target: "/api/v1/events?since=0", status: 400, code: bad, field: "since"},
		{name: "units unknown parameter", who: admin, method: get, target: "/api/v1/units?zone=1", status: 400, code: bad, field: "zone"},
	}

	logged := len(fx.logs.String())
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		before := writtenState(t, fx)
		status, h, body := fx.do(t, tc.who, tc.method, tc.target, tc.body, tc.headers...)
		if status != tc.status {
			t.Errorf("%s: %s %.80s: status %d, want %d: %.300s", tc.name, tc.method, tc.target, status, tc.status, body)
			continue
		}
		if tc.notIn != "" && strings.Contains(string(body), tc.notIn) {
			t.Errorf("%s: answer holds %q", tc.name, tc.notIn)
		}
		if tc.code != "" {
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
				Field  string `json:"field"`
			}
			if ct := h.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s: Content-Type %q, want application/problem+json", tc.name, ct)
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Errorf("%s: not a problem: %v: %.200s", tc.name, err, body)
			} else if p.Code != tc.code || p.Field != tc.field || p.Status != status {
				t.Errorf("%s: problem %d %q field %q, want %q field %q: %.300s", tc.name, p.Status, p.Code, p.Field, tc.code, tc.field, body)
			}
		}
		if after := writtenState(t, fx); after != before {
			t.Errorf("%s: something was written:\n before %s\n after  %s", tc.name, before, after)
		}
	}

	// The server is healthy afterwards.
	if status, _, body := fx.do(t, anonymous, http.MethodGet, "/healthz", ""); status != http.StatusOK {
		t.Errorf("healthz after the table: %d %s", status, body)
	}
	if status, _, body := fx.do(t, admin, http.MethodGet, "/api/v1/me", ""); status != http.StatusOK {
		t.Errorf("me after the table: %d %s", status, body)
	}
	if strings.Contains(fx.logs.String()[logged:], "internal error") {
		t.Errorf("the server logged internal errors")
	}
}

// TestHostileBoundaries sends the extreme values each parameter accepts:
// they are served (here, as empty pages or tiles), never a 500.
func TestHostileBoundaries(t *testing.T) {
	fx := setup(t)
	logged := len(fx.logs.String())
	for _, tc := range []hostileCase{
		{name: "audit before the largest id", who: admin, method: http.MethodGet, target: "/api/v1/audit?before=9223372036854775807", status: 200},
		{name: "audit before beyond int32", who: admin, method: http.MethodGet, target: "/api/v1/audit?before=2147483648&limit=1000", status: 200},
		{name: "orgs of the largest grid and liaison", who: admin, method: http.MethodGet, target: "/api/v1/organizations?grid=9223372036854775807&liaison=9223372036854775807", status: 200},
		{name: "orgs after the largest cursor", who: admin, method: http.MethodGet, target: "/api/v1/organizations?limit=10000&cursor=" + cursorOf("9223372036854775807"), status: 200},
		{name: "orgs over the whole world", who: admin, method: http.MethodGet, target: "/api/v1/organizations?bbox=-180,-90,180,90", status: 200},
		{name: "requests after the largest cursor", who: admin, method: http.MethodGet, target: "/api/v1/requests?cursor=" + cursorOf("9223372036854775807"), status: 200},
		{name: "liaisons of the largest grid", who: admin, method: http.MethodGet, target: "/api/v1/liaisons?grid=9223372036854775807", status: 200},
		{name: "assignments of the largest liaison", who: admin, method: http.MethodGet, target: "/api/v1/assignments?liaison=9223372036854775807", status: 200},
		{name: "contacts after the largest cursor", who: admin, method: http.MethodGet, target: fmt.Sprintf("/api/v1/organizations/%d/contacts?limit=1000&cursor=%s", fx.orgs[0].ID, cursorOf("9223372036854775807")), status: 200},
		{name: "gaps of the largest grid", who: admin, method: http.MethodGet, target: "/api/v1/coverage/gaps?indicator=liaison&grid=9223372036854775807", status: 200},
		{name: "last tile of the deepest zoom", who: admin, method: http.MethodGet, target: "/api/v1/tiles/organizations/20/1048575/1048575.mvt", status: 204},
		{name: "stats of year zero", who: admin, method: http.MethodGet, target: "/api/v1/stats?from=0000-01-01&to=0000-06-01&by=month", status: 200},
		{name: "stats over three years by month", who: admin, method: http.MethodGet, target: "/api/v1/stats?from=" + time.Now().AddDate(-3, 0, 1).Format(time.DateOnly) + "&by=month", status: 200},
		{name: "ogc limit beyond int64", who: admin, method: http.MethodGet, target: "/ogc/collections/organizations/items?limit=99999999999999999999", status: 200},
		{name: "ogc bbox with heights", who: admin, method: http.MethodGet, target: "/ogc/collections/grids/items?bbox=-180,-90,-1e300,180,90,1e300", status: 200},
		{name: "plans of the largest zone", who: planner, method: http.MethodGet, target: "/api/v1/rebalance/plans?zone=9223372036854775807", status: 400}, // not the planner's
		{name: "plans before the largest cursor", who: planner, method: http.MethodGet, target: fmt.Sprintf("/api/v1/rebalance/plans?zone=%d&cursor=%s", fx.zone.ID, cursorOf("9223372036854775807")), status: 200},
		{name: "the largest plan id", who: planner, method: http.MethodGet, target: "/api/v1/rebalance/plans/9223372036854775807/moves", status: 404},
		{name: "any ETag", who: admin, method: http.MethodGet, target: "/api/v1/grids", headers: []string{"If-None-Match", `W/"x", , *,,`}, status: 304},
		{name: "garbage Last-Event-ID", who: admin, method: http.MethodGet, target: "/api/v1/events", headers: []string{"Last-Event-ID", "x-99999999999999999999999"}, status: 200},
	} {
		status, _, body := fx.do(t, tc.who, tc.method, tc.target, tc.body, tc.headers...)
		if status != tc.status {
			t.Errorf("%s: %s %s: status %d, want %d: %.300s", tc.name, tc.method, tc.target, status, tc.status, body)
		}
	}
	if strings.Contains(fx.logs.String()[logged:], "internal error") {
		t.Errorf("the server logged internal errors")
	}
}

// rawExchange sends raw bytes to addr on a fresh connection and reads
// the answer's status line and body (the connection is closed after
// one answer, or when the server closes it).
func rawExchange(t *testing.T, addr, raw string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%.60q: no answer: %v", raw, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type") + " " + string(body)
}

// TestHostileWire sends what no HTTP client library would: oversized
// request heads, broken framing and unnormalised paths, over a real
// connection. Each gets a 4xx (a problem where the server answers it),
// no file outside the web root leaks, and the server serves on.
func TestHostileWire(t *testing.T) {
	fx := setup(t)
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>gridgis</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := server.New(server.Config{WebDir: web}, fx.db, slog.New(slog.NewTextHandler(logs, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	defer func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) }()
	addr := ln.Addr().String()
	cookie := "Cookie: gridgis_session=" + fx.sessions[admin] + "\r\n"
	const end = "Host: gridgis\r\nConnection: close\r\n\r\n"

	for _, tc := range []struct {
		name, raw string
		status    int
		// problem says the answer is application/problem+json.
		problem bool
	}{
		{"8 KB header", "GET /api/v1/me HTTP/1.1\r\nX-Pad: " + strings.Repeat("p", 8192) + "\r\n" + end, 431, true},
		{"8 KB URL", "GET /api/v1/organizations?q=" + strings.Repeat("a", 8192) + " HTTP/1.1\r\n" + end, 431, true},
		{"huge Authorization", "GET /api/v1/me HTTP/1.1\r\nAuthorization: Bearer " + strings.Repeat("t", 3500) + "\r\n" + end, 401, true},
		{"garbage request line", "HELLO\r\n\r\n", 400, true},
		{"negative Content-Length", "POST /api/v1/session HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: -1\r\n" + end, 400, true},
		{"declared body over the limit", "POST /api/v1/session HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n" + end, 413, true},
		{"invalid UTF-8 in the query", "GET /api/v1/organizations?q=\xff\xfe HTTP/1.1\r\n" + cookie + end, 400, true},
		{"NUL in the query", "GET /api/v1/organizations?q=a%00 HTTP/1.1\r\n" + cookie + end, 400, true},
		{"traversal to passwd", "GET /../../../../etc/passwd HTTP/1.1\r\n" + end, 200, false},
		{"encoded traversal to passwd", "GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + end, 200, false},
		{"encoded slashes to passwd", "GET /..%2f..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\n" + end, 200, false},
		{"backslash traversal", "GET /..\\..\\..\\etc\\passwd HTTP/1.1\r\n" + end, 200, false},
		{"API traversal", "GET /api/v1/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + cookie + end, 404, true},
	} {
		status, body := rawExchange(t, addr, tc.raw)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d: %.200s", tc.name, status, tc.status, body)
		}
		if tc.problem && !strings.HasPrefix(body, "application/problem+json ") {
			t.Errorf("%s: not a problem: %.200s", tc.name, body)
		}
		if strings.Contains(body, "root:") {
			t.Errorf("%s: answered a file outside the web root: %.200s", tc.name, body)
		}
	}
	if status, body := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\n"+end); status != 200 {
		t.Errorf("healthz afterwards: %d %s", status, body)
	}
	if status, body := rawExchange(t, addr, "GET /api/v1/me HTTP/1.1\r\n"+cookie+end); status != 200 {
		t.Errorf("me afterwards: %d %s", status, body)
	}
	if strings.Contains(logs.String(), "internal error") {
		t.Errorf("the server logged internal errors")
	}
}
