package postgis_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"gridgis/grid"
	"gridgis/grid/postgis/pgtest"
)

// request_sla() in SQL and Request.SLA in Go give the same colour.
func TestSLAAgreesWithGo(t *testing.T) {
	ctx := context.Background()
	db := pgtest.Open(t, testDSN)
	rng := rand.New(rand.NewPCG(3, 5))
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	colours := map[grid.SLAColour]int{}
	for i := 0; i < 500; i++ {
		r := grid.Request{
			Status:     grid.RequestStatuses[rng.IntN(len(grid.RequestStatuses))],
			ReportedAt: base,
		}
		r.ResponseDueAt = base.Add(grid.ResponseTime)
		r.DueAt = base.Add(grid.OrdinaryResolveTime)
		now := base.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
		if i < 6 { // the exact boundaries
			now = []time.Time{r.ResponseDueAt, r.DueAt, r.DueAt.Add(-grid.OrdinaryResolveTime / 5),
				r.ResponseDueAt.Add(-grid.ResponseTime / 5), r.DueAt.Add(time.Nanosecond * 1000), base}[i]
			r.Status = []grid.RequestStatus{grid.StatusReported, grid.StatusAssigned, grid.StatusInProgress,
				grid.StatusReported, grid.StatusResolved, grid.StatusReported}[i]
		}
		if r.Status != grid.StatusReported && rng.IntN(2) == 0 {
			// Resolved (or sent back after resolving) some time in the
			// ten days: a resolved request's clock stops there.
			at := base.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
			r.ResolvedAt = &at
		}
		var sqlColour grid.SLAColour
		if err := db.Pool.QueryRow(ctx, `SELECT request_sla($1, $2, $3, $4, $5, $6)`,
			r.Status, r.ReportedAt, r.ResponseDueAt, r.DueAt, r.ResolvedAt, now).Scan(&sqlColour); err != nil {
			t.Fatal(err)
		}
		if goColour := r.SLA(now); goColour != sqlColour {
			t.Errorf("%s reported %s, resolved %v, now %s: Go %s, SQL %s", r.Status, r.ReportedAt, r.ResolvedAt, now, goColour, sqlColour)
		}
		colours[sqlColour]++
	}
	if len(colours) != 3 {
		t.Errorf("colours seen %v: the cases do not cover green, yellow and red", colours)
	}
}
