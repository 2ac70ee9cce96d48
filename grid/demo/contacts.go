package demo

import (
	"math/rand/v2"
	"time"

	"gridgis/grid"
)

// The liaison rhythm 每周一联系、每月一走访, and how far back the logs go:
// a year in the first batch; in later ones only the five weeks the 7- and
// 30-day indicators look at, so that a million organizations still load
// in minutes.
const (
	week                = 7 * 24 * time.Hour
	visitPeriod         = 30 * 24 * time.Hour
	laterBatchesHistory = 35 * 24 * time.Hour
	// poorLiaisonShare of the liaisons keep up only 62–80 % of their
	// contacts; the rest 86–98 %: about 90 % overall.
	poorLiaisonShare = 0.15
)

var contactNotes = []string{
	"电话联系企业负责人，了解近期生产经营情况",
	"微信沟通，了解企业用工需求",
	"电话提醒企业按时申报稳岗补贴",
	"推送最新惠企政策清单",
	"电话了解订单和原材料供应情况",
	"了解企业融资需求，介绍科技贷产品",
	"电话回访诉求办理情况",
	"提醒企业做好安全生产检查",
	"了解企业党员职工思想动态",
	"通知企业参加红链圆桌会",
}

var visitNotes = []string{
	"上门走访，与企业负责人座谈，了解发展诉求",
	"走访生产车间，宣讲安全生产要求",
	"参加企业党支部主题党日活动",
	"走访企业，对接融资需求",
	"陪同企业负责人到党企连心服务中心对接政策",
	"走访企业，指导党组织组建工作",
	"走访企业研发中心，了解技术攻关进展",
	"上门送政策，讲解研发费用加计扣除",
}

// makeContacts logs, for every assignment, a contact most weeks and a visit
// most months while it was valid, by its liaison. Each liaison keeps their
// own rhythm, so a few fall behind and some of their organizations are
// overdue now.
func (ds *Dataset) makeContacts(rng *rand.Rand, k int, liaisons []grid.Liaison, cover coverage) []grid.Contact {
	diligence := make(map[int64]float64, len(liaisons))
	for _, l := range liaisons {
		if rng.Float64() < poorLiaisonShare {
			diligence[l.ID] = uniform(rng, 0.62, 0.80)
		} else {
			diligence[l.ID] = uniform(rng, 0.86, 0.98)
		}
	}
	horizon := ds.Now.AddDate(-1, 0, 0)
	if k > 0 {
		horizon = ds.Now.Add(-laterBatchesHistory)
	}
	var out []grid.Contact
	for _, a := range cover.assignments {
		from, to := a.ValidFrom, ds.Now
		if from.Before(horizon) {
			from = horizon
		}
		if a.ValidTo != nil {
			to = *a.ValidTo
		}
		p := diligence[a.LiaisonID]
		out = ds.appendRhythm(rng, out, a, from, to, week, grid.ContactCall, p, contactNotes)
		out = ds.appendRhythm(rng, out, a, from, to, visitPeriod, grid.ContactVisit, p, visitNotes)
	}
	return out
}

// appendRhythm splits the time before Now into periods ending at Now and,
// with probability p, logs one entry in each period's part inside
// [from, to), oldest first. Parts shorter than half a period are skipped:
// the assignment began or ended there.
func (ds *Dataset) appendRhythm(rng *rand.Rand, out []grid.Contact, a grid.Assignment, from, to time.Time,
	period time.Duration, kind grid.ContactKind, p float64, notes []string) []grid.Contact {
	periods := int(ds.Now.Sub(from)/period) + 1
	for n := periods; n > 0; n-- {
		end := ds.Now.Add(-time.Duration(n-1) * period)
		lo, hi := maxTime(end.Add(-period), from), minTime(end, to)
		if hi.Sub(lo) < period/2 || rng.Float64() >= p {
			continue
		}
		out = append(out, grid.Contact{
			OrgID:     a.OrgID,
			LiaisonID: a.LiaisonID,
			Kind:      kind,
			At:        workingTime(rng, lo, hi),
			Note:      pickString(rng, notes),
		})
	}
	return out
}

// workingTime draws a time in [lo, hi) on a weekday between 9:00 and 17:30
// China time, falling back to any time in the range when it has none.
func workingTime(rng *rand.Rand, lo, hi time.Time) time.Time {
	span := int(hi.Sub(lo) / time.Minute)
	for range 8 {
		day := lo.Add(time.Duration(rng.IntN(span)) * time.Minute).In(cst)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, cst).Add(minutes(rng, 0, 510))
		if !t.Before(lo) && t.Before(hi) {
			return t
		}
	}
	return lo.Add(time.Duration(rng.IntN(span)) * time.Minute)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
