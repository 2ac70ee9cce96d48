package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"

	"gridgis/grid"
)

// Per copy of the organization set, the seed article's figures: 1.7万
// workers, 3064 party members, 120余 high-tech enterprises, 14 specialized
// (专精特新) ones (the article counts 12 new this year); plus a few
// organizations just outside the zone, which the rule gives to the
// nearest grid.
const (
	targetEmployees     = 17000
	targetPartyMembers  = 3064
	highTechPerScale    = 120
	specializedPerScale = 14
	outsidePerScale     = 4
	// ownGridShare is how often an organization whose industry has a grid
	// sits in one of that grid's clusters.
	ownGridShare = 0.85
)

// weighted is a value drawn with the given relative weight.
type weighted struct {
	value  string
	weight float64
}

// Industry mixes by kind. Industries without a grid (物流, 商贸, 餐饮, ...)
// fall to the territory rule.
var (
	enterpriseIndustries = []weighted{
		{"新材料", 24}, {"装备制造", 22}, {"新能源", 16}, {"电子信息", 12}, {"生物医药", 8},
		{"现代服务", 2}, {"物流", 5}, {"建筑建材", 4}, {"食品加工", 4}, {"纺织服装", 3},
	}
	newEconomicIndustries = []weighted{
		{"现代服务", 30}, {"电子信息", 25}, {"电子商务", 15}, {"文化创意", 10}, {"物流", 8},
		{"商贸", 7}, {"餐饮", 5},
	}
)

// strategicIndustries are more often high-tech.
var strategicIndustries = []string{"新材料", "新能源", "装备制造", "电子信息", "生物医药"}

// makeOrgs generates batch k's organizations: enterprises, then new
// economic organizations, then social organizations.
func (ds *Dataset) makeOrgs(rng *rand.Rand, k int) []grid.Org {
	orgs := make([]grid.Org, 0, OrgsPerScale)
	names := make(map[string]bool, OrgsPerScale)
	add := func(kind grid.OrgKind, n int) {
		for range n {
			o := grid.Org{
				ID:     int64(k*OrgsPerScale + len(orgs) + 1),
				ZoneID: 1,
				Kind:   kind,
				Active: true,
			}
			var regType string
			o.Name, o.Industry, regType = uniqueIdentity(rng, kind, names, k)
			o.USCC = uscc(rng, k*OrgsPerScale+len(orgs), regType)
			orgs = append(orgs, o)
		}
	}
	add(grid.KindEnterprise, EnterprisesPerScale)
	add(grid.KindNewEconomic, NewEconomicPerScale)
	add(grid.KindSocial, SocialPerScale)

	ds.placeOrgs(rng, orgs)
	drawWorkforce(rng, orgs)
	markHighTech(rng, orgs)
	for i := range orgs {
		o := &orgs[i]
		o.PartyOrg = drawPartyOrg(rng, o.PartyMembers)
		g, reason, _ := grid.AssignGrid(o.Industry, o.Location, ds.candidateGrids(o.Industry))
		o.GridID, o.GridReason = g.ID, reason
	}
	return orgs
}

// candidateGrids are the grids the assignment rule has to weigh for an
// industry: only the industry's own grid when it has one (the rule's first
// step already decides), else all of them. It spares a million-organization
// run most of its distance computations.
func (ds *Dataset) candidateGrids(industry string) []grid.Grid {
	if gi, ok := ds.layout.gridOfIndustry[industry]; ok {
		return ds.Grids[gi : gi+1]
	}
	return ds.Grids
}

// orgIdentity draws an organization's name, industry and USCC
// registration type (91 company, 51 social group, 52 private non-profit).
func orgIdentity(rng *rand.Rand, kind grid.OrgKind) (name, industry, regType string) {
	switch kind {
	case grid.KindSocial:
		if rng.IntN(2) == 0 {
			return "平顶山高新区" + pickString(rng, associationThemes), "行业协会", "51"
		}
		f := serviceOrgForms[rng.IntN(len(serviceOrgForms))]
		return "平顶山高新区" + pickString(rng, tradeNames) + f.form, f.industry, "52"
	case grid.KindNewEconomic:
		industry = pickWeighted(rng, newEconomicIndustries)
	default:
		industry = pickWeighted(rng, enterpriseIndustries)
	}
	place := "平顶山"
	if rng.IntN(10) < 3 {
		place = "河南"
	}
	name = place + pickString(rng, tradeNames) + pickString(rng, businessWords[industry]) +
		pickString(rng, companySuffixes)
	return name, industry, "91"
}

// uniqueIdentity draws identities until the name is new in this batch;
// later batches add the batch number so names stay unique across the
// dataset.
func uniqueIdentity(rng *rand.Rand, kind grid.OrgKind, used map[string]bool, k int) (name, industry, regType string) {
	for {
		name, industry, regType = orgIdentity(rng, kind)
		if !used[name] {
			break
		}
	}
	used[name] = true
	if k > 0 {
		name = fmt.Sprintf("%s（%d）", name, k+1)
	}
	return name, industry, regType
}

// uscc returns a valid, unique unified social credit code for the
// organization with the given serial: registration type, a Pingdingshan
// division code, a new-style 9-character body (MA… for companies, MJ… for
// social organizations) made unique by a bijection of the serial, and the
// GB 32100 check character.
func uscc(rng *rand.Rand, serial int, regType string) string {
	const modulus = 31 * 31 * 31 * 31 * 31 * 31 * 31 // 31^7 bodies
	division := "410471"                             // 平顶山高新技术产业开发区
	if rng.IntN(10) < 3 {
		division = "410400" // 平顶山市
	}
	prefix := "MA"
	if regType != "91" {
		prefix = "MJ"
	}
	// 1,000,003 is prime to 31, so this is a bijection on [0, 31^7).
	v := (int64(serial)*1_000_003 + 7_340_033) % modulus
	var body [7]byte
	for i := 6; i >= 0; i-- {
		body[i] = usccAlphabet[v%31]
		v /= 31
	}
	code := regType + division + prefix + string(body[:])
	check, _ := grid.USCCCheckChar(code)
	return code + string(check)
}

// usccAlphabet is GB 32100's alphabet (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// placeOrgs puts each organization in a cluster (mostly one of its own
// industry's grid) inside the zone, and a few with industries that have no
// grid just outside it, and writes their addresses.
func (ds *Dataset) placeOrgs(rng *rand.Rand, orgs []grid.Org) {
	outside := ds.pickOutside(rng, orgs)
	for i := range orgs {
		o := &orgs[i]
		if outside[i] {
			o.Location = ds.layout.pointOutside(rng)
			o.Address = "平顶山市卫东区" + streetAddress(o.Location)
			continue
		}
		gi, ok := ds.layout.gridOfIndustry[o.Industry]
		if !ok || rng.Float64() >= ownGridShare {
			gi = -1
		}
		o.Location = ds.layout.pointInCluster(rng, ds.layout.pickCluster(rng, gi))
		o.Address = "平顶山高新区" + streetAddress(o.Location)
	}
}

// pickOutside chooses which organizations lie outside the zone: companies
// whose industry has no grid, so that the rule falls through to "nearest".
func (ds *Dataset) pickOutside(rng *rand.Rand, orgs []grid.Org) []bool {
	var candidates []int
	for i, o := range orgs {
		_, hasGrid := ds.layout.gridOfIndustry[o.Industry]
		if o.Kind != grid.KindSocial && !hasGrid {
			candidates = append(candidates, i)
		}
	}
	rng.Shuffle(len(candidates), func(a, b int) { candidates[a], candidates[b] = candidates[b], candidates[a] })
	out := make([]bool, len(orgs))
	for _, i := range candidates[:min(outsidePerScale, len(candidates))] {
		out[i] = true
	}
	return out
}

// streetAddress names the east-west road nearest p and a house number
// growing eastwards.
func streetAddress(p orb.Point) string {
	km := toKM(p)
	height := offsetOf(rowHeightsKM, len(rowHeightsKM))
	width := offsetOf(columnWidthsKM, len(columnWidthsKM))
	road := int(km[1] / height * float64(len(eastWestRoads)))
	road = max(0, min(len(eastWestRoads)-1, road))
	number := max(1, int(km[0]/width*600)+1)
	return fmt.Sprintf("%s%d号", eastWestRoads[road], number)
}

// drawWorkforce draws employees and party members with skewed, realistic
// spreads, then scales both to the zone's totals.
func drawWorkforce(rng *rand.Rand, orgs []grid.Org) {
	staff := make([]float64, len(orgs))
	for i, o := range orgs {
		staff[i] = staffWeight(rng, o.Kind)
	}
	f := targetEmployees / sum(staff)
	for i := range orgs {
		orgs[i].Employees = max(minEmployees(orgs[i].Kind), int(math.Round(staff[i]*f)))
	}
	members := make([]float64, len(orgs))
	for i, o := range orgs {
		members[i] = float64(o.Employees) * memberRate(rng, o.Kind)
	}
	f = targetPartyMembers / sum(members)
	for i := range orgs {
		orgs[i].PartyMembers = min(orgs[i].Employees, int(math.Round(members[i]*f)))
	}
}

// staffWeight is an organization's relative size: log-normal, with one
// enterprise in a hundred a large plant.
func staffWeight(rng *rand.Rand, kind grid.OrgKind) float64 {
	switch kind {
	case grid.KindEnterprise:
		if rng.IntN(100) == 0 {
			return uniform(rng, 500, 1200)
		}
		return logNormal(rng, 40, 0.7)
	case grid.KindNewEconomic:
		return logNormal(rng, 15, 0.7)
	default:
		return logNormal(rng, 6, 0.6)
	}
}

func minEmployees(kind grid.OrgKind) int {
	switch kind {
	case grid.KindEnterprise:
		return 8
	case grid.KindNewEconomic:
		return 3
	default:
		return 2
	}
}

// memberRate is the relative share of party members among the staff;
// many small private firms have none.
func memberRate(rng *rand.Rand, kind grid.OrgKind) float64 {
	none, lo, hi := 0.35, 0.04, 0.3
	switch kind {
	case grid.KindNewEconomic:
		none = 0.45
	case grid.KindSocial:
		none, lo, hi = 0.3, 0.1, 0.5
	}
	if rng.Float64() < none {
		return 0
	}
	return uniform(rng, lo, hi)
}

// markHighTech flags the enterprises most likely to be high-tech (those of
// the strategic industries, by a random score) and, among them, the
// specialized (专精特新) ones.
func markHighTech(rng *rand.Rand, orgs []grid.Org) {
	type scored struct {
		i     int
		score float64
	}
	var ents []scored
	for i, o := range orgs {
		if o.Kind != grid.KindEnterprise {
			continue
		}
		s := rng.Float64()
		if slices.Contains(strategicIndustries, o.Industry) {
			s += 0.5
		}
		ents = append(ents, scored{i, s})
	}
	byScore := func(a, b scored) int { return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.i, b.i)) }
	slices.SortFunc(ents, byScore)
	top := ents[:min(highTechPerScale, len(ents))]
	for _, e := range top {
		orgs[e.i].HighTech = true
	}
	for j := range top {
		top[j].score = rng.Float64()
	}
	slices.SortFunc(top, byScore)
	for _, e := range top[:min(specializedPerScale, len(top))] {
		orgs[e.i].Specialized = true
	}
}

// drawPartyOrg draws the kind of party organization of an organization
// with the given number of party members: most with three or more have
// their own (the law requires three), some still only a joint one or none
// — the standalone gaps planners look for.
func drawPartyOrg(rng *rand.Rand, members int) grid.PartyOrg {
	x := rng.Float64()
	switch {
	case members >= grid.MinStandaloneMembers && x < 0.72:
		return grid.PartyStandalone
	case members >= grid.MinStandaloneMembers && x < 0.88:
		return grid.PartyJoint
	case members > 0 && members < grid.MinStandaloneMembers && x < 0.6:
		return grid.PartyJoint
	case members == 0 && x < 0.12:
		return grid.PartyJoint
	}
	return grid.PartyNone
}

func pickWeighted(rng *rand.Rand, items []weighted) string {
	total := 0.0
	for _, it := range items {
		total += it.weight
	}
	x := rng.Float64() * total
	for _, it := range items {
		if x < it.weight {
			return it.value
		}
		x -= it.weight
	}
	return items[len(items)-1].value
}

func logNormal(rng *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(rng.NormFloat64()*sigma)
}

func sum(xs []float64) float64 {
	total := 0.0
	for _, x := range xs {
		total += x
	}
	return total
}
