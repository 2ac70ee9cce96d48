package grid

// Indicator is a coverage indicator: always a rate with its numerator and
// denominator, per grid and per zone, over active organizations.
type Indicator string

// The coverage indicators.
const (
	IndicatorPartyOrg      Indicator = "party_org"      // 党组织覆盖: a standalone or joint party organization
	IndicatorStandalone    Indicator = "standalone"     // 单独组建
	IndicatorStandaloneGap Indicator = "standalone_gap" // 3+ party members but no standalone organization (gaps)
	IndicatorInstructor    Indicator = "instructor"     // 工作覆盖: a party organization or a party-building instructor
	IndicatorLiaison       Indicator = "liaison"        // an active liaison assignment
	IndicatorContact7d     Indicator = "contact_7d"     // liaison-covered, contacted in the last 7 days (a visit counts)
	IndicatorVisit30d      Indicator = "visit_30d"      // liaison-covered, visited in the last 30 days
)

// Indicators lists every indicator.
var Indicators = []Indicator{IndicatorPartyOrg, IndicatorStandalone, IndicatorStandaloneGap,
	IndicatorInstructor, IndicatorLiaison, IndicatorContact7d, IndicatorVisit30d}

// GapIsNumerator reports whether the indicator counts gaps, so that its
// gap organizations are the numerator's (standalone_gap), not the
// denominator's organizations outside the numerator.
func (i Indicator) GapIsNumerator() bool { return i == IndicatorStandaloneGap }

// Rate is a coverage figure with what it is made of.
type Rate struct {
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Rate        *float64 `json:"rate"` // nil when the denominator is zero
}

// NewRate returns num/den with the rate rounded to 4 decimals.
func NewRate(num, den int64) Rate {
	r := Rate{Numerator: num, Denominator: den}
	if den > 0 {
		v := float64(int64(float64(num)/float64(den)*10000+0.5)) / 10000
		r.Rate = &v
	}
	return r
}

// ZoneRate is a zone's total of an indicator.
type ZoneRate struct {
	ZoneID int64 `json:"zone_id"`
	Rate
}

// AssignmentFilter selects active assignments; Scope applies as for
// organizations.
type AssignmentFilter struct {
	Scope     Scope
	LiaisonID *int64
	GridID    *int64
	AfterID   int64
	Limit     int
}
