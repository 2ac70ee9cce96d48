package grid

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseStatsQuery(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	cst := StatsLocation
	tests := []struct {
		name         string
		from, to, by string
		want         StatsQuery
		wantField    string
	}{
		{name: "defaults", want: StatsQuery{From: now.AddDate(-1, 0, 0), To: now, By: StatsByZone}},
		{name: "dates are midnight in China", from: "2025-01-01", to: "2025-07-01", by: "month",
			want: StatsQuery{From: time.Date(2025, 1, 1, 0, 0, 0, 0, cst), To: time.Date(2025, 7, 1, 0, 0, 0, 0, cst), By: StatsByMonth}},
		{name: "times", from: "2025-06-01T00:00:00Z", to: "2025-06-02T12:00:00+08:00", by: "liaison",
			want: StatsQuery{From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 2, 4, 0, 0, 0, time.UTC), By: StatsByLiaison}},
		{name: "to alone: the year before it", to: "2025-07-01", by: "unit",
			want: StatsQuery{From: time.Date(2024, 7, 1, 0, 0, 0, 0, cst), To: time.Date(2025, 7, 1, 0, 0, 0, 0, cst), By: StatsByUnit}},
		{name: "from alone: to now", from: "2026-01-01", by: "grid",
			want: StatsQuery{From: time.Date(2026, 1, 1, 0, 0, 0, 0, cst), To: now, By: StatsByGrid}},
		{name: "to in the future", from: "2026-03-01", to: "2026-04-01",
			want: StatsQuery{From: time.Date(2026, 3, 1, 0, 0, 0, 0, cst), To: time.Date(2026, 4, 1, 0, 0, 0, 0, cst), By: StatsByZone}},
		{name: "to far in the future", to: "9999-01-01", wantField: "to"},
		{name: "to alone a little ahead: the year to now", to: "2026-04-01",
			want: StatsQuery{From: now.AddDate(-1, 0, 0), To: time.Date(2026, 4, 1, 0, 0, 0, 0, cst), By: StatsByZone}},
		{name: "three years", from: "2023-03-15T10:00:00Z", want: StatsQuery{From: time.Date(2023, 3, 15, 10, 0, 0, 0, time.UTC), To: now, By: StatsByZone}},
		{name: "more than three years", from: "2023-01-01", wantField: "from"},
		{name: "from after to", from: "2025-07-01", to: "2025-06-01", wantField: "from"},
		{name: "from equal to to", from: "2025-07-01", to: "2025-07-01", wantField: "from"},
		{name: "from in the future", from: "2026-04-01", to: "2026-05-01", wantField: "from"},
		{name: "bad from", from: "yesterday", wantField: "from"},
		{name: "bad to", to: "2025-13-01", wantField: "to"},
		{name: "unknown grouping", by: "org", wantField: "by"},
		{name: "grouping is case-sensitive", by: "Zone", wantField: "by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseStatsQuery(tt.from, tt.to, tt.by, now)
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
			if !q.From.Equal(tt.want.From) || !q.To.Equal(tt.want.To) || q.By != tt.want.By {
				t.Errorf("got %v – %v by %s, want %v – %v by %s", q.From, q.To, q.By, tt.want.From, tt.want.To, tt.want.By)
			}
		})
	}
}

func TestStatsPeriods(t *testing.T) {
	cst := StatsLocation
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		q    StatsQuery
		want []StatsPeriod
	}{
		{"one period unless by month", StatsQuery{From: day(2025, 1, 10), To: day(2025, 3, 1), By: StatsByGrid},
			[]StatsPeriod{{From: day(2025, 1, 10), To: day(2025, 3, 1)}}},
		{"months clipped to the range", StatsQuery{From: day(2025, 11, 20), To: day(2026, 2, 3), By: StatsByMonth},
			[]StatsPeriod{
				{From: day(2025, 11, 20), To: day(2025, 12, 1), Label: "2025-11"},
				{From: day(2025, 12, 1), To: day(2026, 1, 1), Label: "2025-12"},
				{From: day(2026, 1, 1), To: day(2026, 2, 1), Label: "2026-01"},
				{From: day(2026, 2, 1), To: day(2026, 2, 3), Label: "2026-02"},
			}},
		{"months begin in China: 16:00 UTC is the next day", StatsQuery{From: time.Date(2025, 5, 31, 16, 0, 0, 0, time.UTC),
			To: time.Date(2025, 6, 30, 16, 0, 0, 0, time.UTC), By: StatsByMonth},
			[]StatsPeriod{{From: day(2025, 6, 1), To: day(2025, 7, 1), Label: "2025-06"}}},
		{"months that have not begun are left out", StatsQuery{From: day(2026, 2, 10), To: day(2026, 6, 1), By: StatsByMonth},
			[]StatsPeriod{
				{From: day(2026, 2, 10), To: day(2026, 3, 1), Label: "2026-02"},
				{From: day(2026, 3, 1), To: day(2026, 4, 1), Label: "2026-03"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.q.Periods(now)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMedianAndMean(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"no values", NewMedianHours(0, 0), Median{}},
		{"a half rounds away from zero", NewMedianHours(2, 1100790), Median{Count: 2, Value: v(305.78)}}, // 305.775 h
		{"a day", NewMedianHours(3, 86400), Median{Count: 3, Value: v(24)}},
		{"mean", NewMean(13, 4), Mean{Sum: 13, Count: 4, Value: v(3.25)}},
		{"mean rounded", NewMean(13, 3), Mean{Sum: 13, Count: 3, Value: v(4.33)}},
		{"no ratings", NewMean(0, 0), Mean{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
