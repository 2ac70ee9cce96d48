package rebalance

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"gridgis/grid"
)

// invalidField fails t unless err is an EInvalid *Error naming a field.
func invalidField(t *testing.T, err error) {
	t.Helper()
	var e *grid.Error
	if !errors.As(err, &e) || e.Code != grid.EInvalid || e.Field == "" {
		t.Fatalf("error %v is not an invalid-input error naming a field", err)
	}
}

// FuzzRebalanceRequest: accepted options have loads within
// MaxLoad and every weight and metre value finite and in range.
func FuzzRebalanceRequest(f *testing.F) {
	for _, s := range []string{`{}`, `{"min":3,"max":8}`, `{"min":99999999999}`, `{"stability":1e308}`, `{"weights":{"other":-1}}`,
		`{"zone_id":0}`, `{"min":9,"max":3}`, `{"cross_grid_penalty":0,"keep_in_grid":false}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Request
		if json.Unmarshal(body, &r) != nil {
			return
		}
		o, err := r.Options()
		if err != nil {
			invalidField(t, err)
			return
		}
		for _, v := range []*int{o.Min, o.Max} {
			if v != nil && (*v < 0 || *v > MaxLoad) {
				t.Fatalf("%s: accepted load %d", body, *v)
			}
		}
		if o.Min != nil && o.Max != nil && *o.Min > *o.Max {
			t.Fatalf("%s: accepted min above max", body)
		}
		for _, v := range []float64{o.Stability, o.CrossGridPenalty, o.Weights.OpenRequests, o.Weights.KeyEnterprise, o.Weights.Enterprise, o.Weights.Other} {
			if math.IsNaN(v) || v < 0 || v > maxRebalanceMetres {
				t.Fatalf("%s: accepted value %v", body, v)
			}
		}
		if r.ZoneID != nil && *r.ZoneID <= 0 {
			t.Fatalf("%s: accepted zone %d", body, *r.ZoneID)
		}
	})
}
