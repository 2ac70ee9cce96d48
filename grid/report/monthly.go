package report

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"gridgis/grid"
)

// GridCoverage is one grid's coverage indicators.
type GridCoverage struct {
	ID       int64
	Code     string
	Name     string
	Industry string
	Rates    map[grid.Indicator]grid.Rate
}

// CoverageTable gathers every indicator by grid from the coverage layer:
// pass its Add to grid.MapStore.EachCoverageFeature once per indicator.
type CoverageTable struct {
	Grids []GridCoverage
	index map[int64]int
}

// Add takes one coverage Feature (its grid and one indicator's figures);
// it has grid.FeatureFunc's signature.
func (t *CoverageTable) Add(f grid.Feature) error {
	var cf struct {
		Properties struct {
			Code        string         `json:"code"`
			Name        string         `json:"name"`
			Industry    string         `json:"industry"`
			Indicator   grid.Indicator `json:"indicator"`
			Numerator   int64          `json:"numerator"`
			Denominator int64          `json:"denominator"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(f.JSON, &cf); err != nil {
		return fmt.Errorf("report: coverage feature %d: %w", f.ID, err)
	}
	p := cf.Properties
	if t.index == nil {
		t.index = map[int64]int{}
	}
	i, ok := t.index[f.ID]
	if !ok {
		i = len(t.Grids)
		t.index[f.ID] = i
		t.Grids = append(t.Grids, GridCoverage{ID: f.ID, Code: p.Code, Name: p.Name, Industry: p.Industry,
			Rates: map[grid.Indicator]grid.Rate{}})
	}
	t.Grids[i].Rates[p.Indicator] = grid.NewRate(p.Numerator, p.Denominator)
	return nil
}

// Monthly is what the monthly report for superiors holds.
type Monthly struct {
	// Title names the zone and the month, e.g. "某某园区 2025年6月 党建网格工作月报";
	// each sheet's title begins with it.
	Title    string
	Coverage []GridCoverage
	// Total is the zone's figure of each indicator (grid.MapStore.
	// CoverageTotals, which also counts organizations outside every
	// grid); nil sums the grids.
	Total map[grid.Indicator]grid.Rate
	// ByGrid and ByLiaison are the month's KPIs (grid.Stats grouped by
	// grid and by liaison).
	ByGrid    []grid.StatsGroup
	ByLiaison []grid.StatsGroup
	// OverdueRequests are the open requests past their deadline,
	// OverdueOrgs the organizations overdue for a contact or a visit.
	// They are the last sheets, so they are streamed: the writer ranges
	// over each once, as it writes its sheet (nil is none).
	OverdueRequests iter.Seq2[Request, error]
	OverdueOrgs     iter.Seq2[Org, error]
}

var kpiColumns = []column{
	{"上报", integer}, {"不予受理", integer}, {"办结", integer},
	{"办结率", percent}, {"按期办结率", percent}, {"返工率", percent}, {"24小时响应率", percent},
	{"响应时长中位数(小时)", decimal}, {"办结时长中位数(小时)", decimal}, {"满意度", decimal},
	{"每周联系率", percent}, {"每月走访率", percent},
}

var overdueOrgColumns = []column{
	{"企业", text}, {"统一社会信用代码", text}, {"所属网格", text}, {"联络员", text},
	{"最近联系", datetime}, {"最近走访", datetime}, {"联系逾期(7日)", text}, {"走访逾期(30日)", text},
}

// WriteMonthlyXLSX writes the monthly report workbook: coverage by grid,
// KPIs by grid and by liaison, overdue requests and overdue contacts and
// visits, one sheet each, every sheet titled with a frozen header row.
// Rates are numbers formatted as percentages; a rate without a
// denominator is an empty cell, not 0 %.
func WriteMonthlyXLSX(w io.Writer, m Monthly) error {
	b, err := newBook()
	if err != nil {
		return err
	}
	if err := m.write(b); err != nil {
		_ = b.f.Close()
		return err
	}
	return b.write(w)
}

func (m *Monthly) write(b *book) error {
	cols := []column{{"网格编码", text}, {"网格名称", text}, {"主导产业", text}}
	for _, ind := range grid.Indicators {
		l := indicatorLabels[ind]
		cols = append(cols, column{l + "率", percent}, column{l + "数", integer}, column{l + "基数", integer})
	}
	s := b.sheet("覆盖指标", m.Title+" · 覆盖指标（按网格）", cols)
	total := m.Total
	if total == nil {
		sums := map[grid.Indicator][2]int64{}
		for _, g := range m.Coverage {
			for ind, r := range g.Rates {
				sum := sums[ind]
				sums[ind] = [2]int64{sum[0] + r.Numerator, sum[1] + r.Denominator}
			}
		}
		total = map[grid.Indicator]grid.Rate{}
		for ind, sum := range sums {
			total[ind] = grid.NewRate(sum[0], sum[1])
		}
	}
	coverageRow := func(code, name, industry string, rates map[grid.Indicator]grid.Rate) error {
		row := []any{code, name, industry}
		for _, ind := range grid.Indicators {
			r, ok := rates[ind]
			if !ok {
				row = append(row, nil, nil, nil)
				continue
			}
			row = append(row, r.Rate, r.Numerator, r.Denominator)
		}
		return s.add(row...)
	}
	for _, g := range m.Coverage {
		if err := coverageRow(g.Code, g.Name, g.Industry, g.Rates); err != nil {
			return err
		}
	}
	if err := coverageRow("", "园区合计", "", total); err != nil {
		return err
	}

	for _, k := range []struct {
		sheet, title, head, none string
		groups                   []grid.StatsGroup
	}{
		{"诉求指标(按网格)", "诉求办理指标（按网格）", "网格", "未划入网格", m.ByGrid},
		{"诉求指标(按联络员)", "诉求办理指标（按联络员）", "联络员", "未交办联络员", m.ByLiaison},
	} {
		s := b.sheet(k.sheet, m.Title+" · "+k.title, append([]column{{k.head, text}}, kpiColumns...))
		for _, g := range k.groups {
			name := g.Name
			if g.Key == grid.StatsNoneKey && name == "" {
				name = k.none
			}
			if err := s.add(name, g.Reported, g.Rejected, g.Closed,
				g.ClosureRate.Rate, g.OnTimeRate.Rate, g.ReworkRate.Rate, g.Answered24h.Rate,
				g.MedianResponseHours.Value, g.MedianResolutionHours.Value, g.Satisfaction.Value,
				rateOf(g.ContactCompliance), rateOf(g.VisitCompliance)); err != nil {
				return err
			}
		}
	}

	s = b.sheet("逾期诉求", m.Title+" · 逾期诉求", requestColumns)
	for r, err := range orNone(m.OverdueRequests) {
		if err != nil {
			return err
		}
		if err := s.addRequest(&r); err != nil {
			return err
		}
	}
	s = b.sheet("逾期联系走访", m.Title+" · 逾期未联系、未走访的包联组织", overdueOrgColumns)
	for o, err := range orNone(m.OverdueOrgs) {
		if err != nil {
			return err
		}
		if err := s.add(o.Name, o.USCC, o.GridName, o.LiaisonName, o.LastContactAt, o.LastVisitAt,
			yesNo(o.ContactOverdue), yesNo(o.VisitOverdue)); err != nil {
			return err
		}
	}
	return nil
}

// orNone is seq, or an empty sequence for nil.
func orNone[T any](seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	if seq == nil {
		return Values[T](nil)
	}
	return seq
}

// rateOf is r's rate, nil when there is no r or no denominator.
func rateOf(r *grid.Rate) *float64 {
	if r == nil {
		return nil
	}
	return r.Rate
}
