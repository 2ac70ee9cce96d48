package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The map's layers and OGC items come without padding: "key":value, not
// "key" : value (13 % of a body's bytes). The organizations' features are
// tested with their projection.
func TestCompactLayerBodies(t *testing.T) {
	fx := setup(t)
	fx.addRequests(t)
	for _, target := range []string{
		"/api/v1/requests",
		"/api/v1/liaisons",
		"/api/v1/assignments",
		"/api/v1/grids",
		"/api/v1/coverage?indicator=liaison",
		"/ogc/collections/requests/items",
		"/ogc/collections/liaisons/items",
		"/ogc/collections/grids/items",
		"/ogc/collections/liaisons/items/" + strconv.FormatInt(fx.liaisonID, 10),
	} {
		t.Run(target, func(t *testing.T) {
			status, _, body := fx.do(t, admin, http.MethodGet, target, "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if !bytes.Contains(body, []byte(`"type":"Feature"`)) {
				t.Fatalf("no feature: %s", body)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, body); err != nil {
				t.Fatal(err)
			}
			if compact.Len() != len(body) || strings.Contains(string(body), `" : `) {
				t.Errorf("padded body (%d bytes, %d compact): %.300s", len(body), compact.Len(), body)
			}
		})
	}
}
