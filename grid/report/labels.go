package report

import "gridgis/grid"

// The Chinese names users see, the same as the map app's (frontend/src/i18n.ts).
var (
	kindLabels = map[grid.OrgKind]string{
		grid.KindEnterprise: "企业", grid.KindNewEconomic: "新经济组织", grid.KindSocial: "社会组织",
	}
	partyOrgLabels = map[grid.PartyOrg]string{
		grid.PartyNone: "未建立", grid.PartyStandalone: "单独组建", grid.PartyJoint: "联合组建",
	}
	gridReasonLabels = map[grid.GridReason]string{
		grid.ReasonIndustry: "行业归口", grid.ReasonTerritory: "属地兜底", grid.ReasonNearest: "就近划入", grid.ReasonManual: "人工调整",
	}
	statusLabels = map[grid.RequestStatus]string{
		grid.StatusReported: "待交办", grid.StatusAssigned: "已交办", grid.StatusInProgress: "整改中",
		grid.StatusResolved: "待复核", grid.StatusVerified: "已办结", grid.StatusRejected: "不予受理",
	}
	categoryLabels = map[grid.RequestCategory]string{grid.CategoryOrdinary: "一般诉求", grid.CategoryComplex: "复杂诉求"}
	topicLabels    = map[grid.RequestTopic]string{
		grid.TopicLanding: "招商落地", grid.TopicConstruction: "建设运营", grid.TopicOperations: "生产经营",
		grid.TopicInnovation: "创新发展", grid.TopicRights: "权益保障",
	}
	slaLabels         = map[grid.SLAColour]string{grid.SLAGreen: "正常", grid.SLAYellow: "临期", grid.SLARed: "超期"}
	supervisionLabels = map[grid.Supervision]string{grid.SupervisionNone: "未督办", grid.SupervisionYellow: "黄牌督办", grid.SupervisionRed: "红牌督办"}
	contactKindLabels = map[grid.ContactKind]string{grid.ContactCall: "联系", grid.ContactVisit: "走访"}
	indicatorLabels   = map[grid.Indicator]string{
		grid.IndicatorPartyOrg: "党组织覆盖", grid.IndicatorStandalone: "单独组建", grid.IndicatorStandaloneGap: "应建未建",
		grid.IndicatorInstructor: "党建工作覆盖", grid.IndicatorLiaison: "联络员包联", grid.IndicatorContact7d: "7日联系",
		grid.IndicatorVisit30d: "30日走访",
	}
)

// IndicatorLabel is an indicator's short Chinese name (党组织覆盖), as the
// map app's; the code itself for one this package does not know.
func IndicatorLabel(ind grid.Indicator) string { return label(indicatorLabels, ind) }

// label is m's name for k, or k itself for a value this package does not
// know yet (a new status shows as its code rather than as nothing).
func label[K ~string](m map[K]string, k K) string {
	if s, ok := m[k]; ok {
		return s
	}
	return string(k)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}
