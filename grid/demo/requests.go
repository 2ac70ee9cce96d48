package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"gridgis/grid"
)

// requestTemplate is a typical request of one topic, answered by an
// alliance unit of the given kind.
type requestTemplate struct {
	topic       grid.RequestTopic
	title       string
	category    grid.RequestCategory
	unit        grid.UnitKind
	description string
	resolution  string
}

// requestTemplates follow the five service desks of the zone's service
// chain: 同心招商议事厅 (landing), 营商服务快车站 (construction), 惠企金融会客厅
// (operations), 创新赋能研习社 (innovation), 红色法律援助帮帮团 (rights).
var requestTemplates = []requestTemplate{
	{grid.TopicLanding, "新项目落地手续咨询", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业计划新上一条生产线，对立项备案、环评、能评等前期手续的办理顺序和时限不清楚，希望获得一次性告知和全程指导。",
		"协调经济发展局出具项目落地手续清单，明确办理顺序和时限，联络员全程代办立项备案。"},
	{grid.TopicLanding, "项目用地选址协调", grid.CategoryComplex, grid.UnitGovernment,
		"企业扩产需新增用地约30亩，希望园区协调规划选址，并提前了解土地出让流程。",
		"规划建设局提供三处备选地块并组织现场踏勘，企业选定地块后纳入年度供地计划。"},
	{grid.TopicLanding, "标准化厂房租赁对接", grid.CategoryOrdinary, grid.UnitService,
		"企业拟引进配套项目，需要租赁3000平方米左右的标准化厂房，希望了解园区可用房源。",
		"对接园区企业服务中心推荐两处空置厂房，企业已签订租赁意向书。"},
	{grid.TopicLanding, "入园优惠政策兑现咨询", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业签约时约定的设备投资补助尚未兑现，希望了解申报材料和拨付进度。",
		"财政金融局核实协议条款，指导企业补齐发票和验收材料，补助资金已拨付。"},
	{grid.TopicLanding, "企业注册登记帮办", grid.CategoryOrdinary, grid.UnitGovernment,
		"新设立的子公司需要办理营业执照、刻章和银行开户，希望提供帮办代办服务。",
		"市场监管部门开通绿色通道，一日内办结营业执照，联络员陪同完成刻章和开户。"},
	{grid.TopicLanding, "环评审批指导", grid.CategoryComplex, grid.UnitGovernment,
		"项目涉及少量有机废气排放，企业对环评报告表的编制要求和审批周期不了解。",
		"生态环境部门提前介入指导，环评报告表一次通过技术审查并获批复。"},
	{grid.TopicConstruction, "用电增容审批协调", grid.CategoryComplex, grid.UnitGovernment,
		"新建车间需将用电容量由800千伏安增容至2000千伏安，供电方案批复较慢，影响设备调试。",
		"经济发展局协调供电公司开通绿色通道，增容方案获批并完成送电。"},
	{grid.TopicConstruction, "施工许可办理协调", grid.CategoryComplex, grid.UnitGovernment,
		"扩建项目已完成施工图审查，但施工许可证办理进度较慢，影响按期开工。",
		"规划建设局实行并联审批，施工许可证在承诺时限内办结。"},
	{grid.TopicConstruction, "天然气管道接入协调", grid.CategoryOrdinary, grid.UnitService,
		"企业新建生产线需接入天然气，燃气公司报装排期较长。",
		"联络员对接燃气公司优化排期，管道接入和通气验收已完成。"},
	{grid.TopicConstruction, "厂区门前道路积水整治", grid.CategoryOrdinary, grid.UnitGovernment,
		"厂区门前道路排水不畅，雨后积水严重，影响货车进出。",
		"规划建设局安排疏通雨水管网并修补路面，积水问题已消除。"},
	{grid.TopicConstruction, "消防验收技术指导", grid.CategoryOrdinary, grid.UnitService,
		"新厂房即将竣工，企业对消防验收的技术要求和资料准备不清楚。",
		"邀请消防技术服务机构上门预检，企业整改后一次通过消防验收。"},
	{grid.TopicConstruction, "联合验收与不动产登记", grid.CategoryComplex, grid.UnitGovernment,
		"项目已竣工，联合验收和不动产登记需要分别到多个部门办理，企业希望一次办好。",
		"实行联合验收、一窗受理，不动产权证书已办结发放。"},
	{grid.TopicOperations, "科技贷融资对接", grid.CategoryOrdinary, grid.UnitBank,
		"企业订单增加，流动资金紧张，希望申请“科技贷”500万元。",
		"惠企金融会客厅组织银企对接，合作银行完成授信审批，贷款已发放。"},
	{grid.TopicOperations, "党建贷授信申请", grid.CategoryOrdinary, grid.UnitBank,
		"企业党支部建设规范，希望了解“党建贷”授信条件并申请贷款。",
		"合作银行上门尽职调查，按党建贷优惠利率完成授信。"},
	{grid.TopicOperations, "招工用工需求对接", grid.CategoryOrdinary, grid.UnitGovernment,
		"新生产线投产需招聘操作工50名，企业自行招聘效果不理想。",
		"社会事业局组织专场招聘会并推送职业院校毕业生资源，用工缺口基本补齐。"},
	{grid.TopicOperations, "稳岗补贴申领指导", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业对稳岗返还和以工代训补贴的申领条件不清楚。",
		"联络员上门讲解政策并指导企业线上申报，补贴已到账。"},
	{grid.TopicOperations, "税收优惠政策咨询", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业对小型微利企业所得税优惠和增值税留抵退税政策的适用存在疑问。",
		"税务部门安排专人辅导，企业已按规定享受相关税收优惠。"},
	{grid.TopicOperations, "原材料供应链对接", grid.CategoryOrdinary, grid.UnitAssociation,
		"主要原材料供应商停产检修，企业希望对接区内其他供应商。",
		"行业协会组织供需对接会，企业与两家区内供应商签订供货协议。"},
	{grid.TopicOperations, "技术骨干子女入学协调", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业引进的技术骨干子女需在园区周边学校就读，希望协调学位。",
		"社会事业局协调就近学校，已妥善安排入学。"},
	{grid.TopicOperations, "股权融资路演对接", grid.CategoryComplex, grid.UnitInvestor,
		"企业拟开展新一轮股权融资，希望对接创投机构。",
		"组织项目路演对接会，创投机构完成尽职调查并签订投资意向书。"},
	{grid.TopicOperations, "货车通行证办理协调", grid.CategoryOrdinary, grid.UnitGovernment,
		"园区主干道限行时段调整后，企业货车进出受限，影响发货。",
		"协调交警部门为企业办理货车通行证，并优化限行时段。"},
	{grid.TopicInnovation, "高新技术企业认定辅导", grid.CategoryComplex, grid.UnitService,
		"企业计划今年申报高新技术企业认定，对知识产权和研发费用归集要求把握不准。",
		"组织专家一对一辅导，申报材料已按期提交。"},
	{grid.TopicInnovation, "专精特新企业申报辅导", grid.CategoryComplex, grid.UnitGovernment,
		"企业拟申报省级专精特新中小企业，希望了解评价指标和申报流程。",
		"经济发展局组织申报培训并逐项指导，申报材料已按期报送。"},
	{grid.TopicInnovation, "产学研合作对接", grid.CategoryComplex, grid.UnitResearch,
		"企业在材料改性工艺上遇到技术瓶颈，希望对接高校科研团队联合攻关。",
		"对接高校材料学科团队，双方签订产学研合作协议并启动联合攻关。"},
	{grid.TopicInnovation, "研发费用加计扣除辅导", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业首次享受研发费用加计扣除，对研发辅助账的设置不熟悉。",
		"税务部门上门辅导建立研发辅助账，企业已完成申报。"},
	{grid.TopicInnovation, "省级研发平台申报", grid.CategoryComplex, grid.UnitResearch,
		"企业希望申报省级工程技术研究中心，需要科研院所指导。",
		"联合科研院所完善平台建设方案，申报材料已报送。"},
	{grid.TopicInnovation, "专利申请与布局指导", grid.CategoryOrdinary, grid.UnitService,
		"企业新产品需申请发明专利，希望获得专利检索和布局指导。",
		"知识产权服务机构完成检索分析，两项发明专利申请已受理。"},
	{grid.TopicInnovation, "技术人才引进对接", grid.CategoryOrdinary, grid.UnitResearch,
		"企业急需电气自动化方向技术人员，希望对接高校人才资源。",
		"对接本地高校开展校企合作，签订实习就业基地协议。"},
	{grid.TopicRights, "劳动纠纷法律咨询", grid.CategoryOrdinary, grid.UnitService,
		"企业与离职员工就加班费计算发生争议，希望获得法律咨询。",
		"法律援助帮帮团律师提供咨询并参与调解，双方达成和解。"},
	{grid.TopicRights, "合同纠纷调解", grid.CategoryComplex, grid.UnitService,
		"企业与外地客户发生货款纠纷，涉及金额约80万元。",
		"律师出具法律意见并发送律师函，对方已同意分期支付货款。"},
	{grid.TopicRights, "商标侵权维权", grid.CategoryComplex, grid.UnitService,
		"企业发现市场上有假冒其注册商标的产品在销售。",
		"协助企业固定证据并向市场监管部门投诉，侵权产品已下架。"},
	{grid.TopicRights, "拖欠账款追讨协调", grid.CategoryOrdinary, grid.UnitAssociation,
		"下游企业拖欠货款超过半年，企业希望通过商会协调解决。",
		"商会牵头协调，双方签订还款计划，首期款项已到账。"},
	{grid.TopicRights, "安全生产检查整改解读", grid.CategoryOrdinary, grid.UnitGovernment,
		"企业对安全生产检查提出的整改要求存在疑问，希望获得政策解读。",
		"应急管理部门安排专家现场解读标准，企业已按要求完成整改。"},
}

// topicWeights: most requests concern day-to-day operations.
var topicWeights = []weighted{
	{string(grid.TopicOperations), 35}, {string(grid.TopicInnovation), 20},
	{string(grid.TopicConstruction), 15}, {string(grid.TopicLanding), 15}, {string(grid.TopicRights), 15},
}

var rejectReasons = []string{
	"经核实属企业与个人之间的民事纠纷，不属于园区受理范围，已引导企业通过司法途径解决。",
	"诉求涉及市级事权，已告知企业向主管部门反映并提供对接方式。",
}

var sendBackNotes = []string{
	"回访企业，反映问题未彻底解决，退回继续整改。",
	"办理材料不完整，退回补充后再报销号。",
}

// RequestMonths is how far back the requests go: the service centre's
// first year, kept a month inside the KPIs' default range (the year up to
// now) so that for a month after seeding the default figures are the
// centre's whole record, as the seed article gives it: 128 requests,
// 96 % closed.
const RequestMonths = 11

// Per batch, the request statuses: 96 % closed (121 verified, 2 rejected),
// five still open.
const (
	verifiedPerScale = 121
	rejectedPerScale = 2
	// Shares of closed requests answered late (after 24 h), resolved after
	// their due date, and sent back once for rework.
	lateResponseShare = 0.08
	lateResolveShare  = 0.10
	reworkShare       = 0.08
	// coveredShare of requests come from organizations with a liaison; the
	// rest walk in to the service centre.
	coveredShare = 0.85
)

// openRequest describes a request still open at Now: its status, category
// and age, so the demo shows every stage and colour of the loop.
type openRequest struct {
	status   grid.RequestStatus
	category grid.RequestCategory
	age      [2]time.Duration // drawn in this range
}

var openRequests = []openRequest{
	{grid.StatusReported, grid.CategoryOrdinary, [2]time.Duration{2 * time.Hour, 10 * time.Hour}},
	{grid.StatusAssigned, grid.CategoryOrdinary, [2]time.Duration{137 * time.Hour, 155 * time.Hour}},          // yellow
	{grid.StatusInProgress, grid.CategoryOrdinary, [2]time.Duration{8 * 24 * time.Hour, 11 * 24 * time.Hour}}, // overdue
	{grid.StatusInProgress, grid.CategoryComplex, [2]time.Duration{31 * 24 * time.Hour, 34 * 24 * time.Hour}}, // overdue
	{grid.StatusResolved, grid.CategoryOrdinary, [2]time.Duration{4 * 24 * time.Hour, 6 * 24 * time.Hour}},
}

// requestBuilder makes one batch's requests.
type requestBuilder struct {
	ds       *Dataset
	rng      *rand.Rand
	batch    *grid.Batch
	cover    coverage
	covered  []int // organizations with a liaison
	units    map[grid.UnitKind][]grid.Unit
	requests []draft
}

// draft is a request with its events, before ids are known.
type draft struct {
	r      grid.Request
	events []grid.RequestEvent
}

// makeRequests generates batch k's requests over the RequestMonths
// before Now, each with the full event history its status implies.
func (ds *Dataset) makeRequests(rng *rand.Rand, k int, b *grid.Batch, cover coverage) ([]grid.Request, []grid.RequestEvent) {
	rb := &requestBuilder{ds: ds, rng: rng, batch: b, cover: cover, units: make(map[grid.UnitKind][]grid.Unit)}
	for oi := range b.Orgs {
		if len(cover.byOrg[oi]) > 0 {
			rb.covered = append(rb.covered, oi)
		}
	}
	for _, u := range ds.Units {
		rb.units[u.Kind] = append(rb.units[u.Kind], u)
	}
	for range verifiedPerScale {
		rb.closed(grid.StatusVerified)
	}
	for range rejectedPerScale {
		rb.closed(grid.StatusRejected)
	}
	for _, o := range openRequests {
		rb.open(o)
	}
	return rb.number(k)
}

// number orders the requests by report time and gives them their ids.
func (rb *requestBuilder) number(k int) ([]grid.Request, []grid.RequestEvent) {
	slices.SortStableFunc(rb.requests, func(a, b draft) int { return a.r.ReportedAt.Compare(b.r.ReportedAt) })
	requests := make([]grid.Request, len(rb.requests))
	var events []grid.RequestEvent
	for i, d := range rb.requests {
		d.r.ID = int64(k*RequestsPerScale + i + 1)
		requests[i] = d.r
		for _, e := range d.events {
			e.RequestID = d.r.ID
			events = append(events, e)
		}
	}
	return requests, events
}

// closed adds a request that went through the whole loop (verified) or
// was turned down (rejected) some time in the last RequestMonths.
func (rb *requestBuilder) closed(status grid.RequestStatus) {
	tpl := rb.template(rb.pickTopic(), "")
	var steps []step
	if status == grid.StatusRejected {
		steps = []step{{gap: minutes(rb.rng, 120, 30*60), action: "reject", to: grid.StatusRejected,
			note: pickString(rb.rng, rejectReasons)}}
	} else {
		steps = rb.fullLoop(tpl)
	}
	span := time.Duration(0)
	for _, s := range steps {
		span += s.gap
	}
	earliest := rb.ds.Now.AddDate(0, -RequestMonths, 0)
	latest := rb.ds.Now.Add(-span - time.Hour)
	reported := earliest.Add(minutes(rb.rng, 0, int(rb.ds.Now.Add(-72*time.Hour).Sub(earliest)/time.Minute)))
	if reported.After(latest) {
		reported = latest.Add(-minutes(rb.rng, 0, 3*24*60))
	}
	rb.add(tpl, reported, steps)
}

// fullLoop is the way of a verified request: assign, start, resolve,
// perhaps a send-back and another resolve, verify.
func (rb *requestBuilder) fullLoop(tpl requestTemplate) []step {
	rng := rb.rng
	sla := resolveTime(tpl.category)
	respond := minutes(rng, 20, 20*60)
	if rng.Float64() < lateResponseShare {
		respond = minutes(rng, 25*60, 60*60)
	}
	start := minutes(rng, 30, 24*60)
	work := time.Duration(float64(sla-respond-start) * uniform(rng, 0.15, 0.9))
	if rng.Float64() < lateResolveShare {
		work = time.Duration(float64(sla)*uniform(rng, 1.05, 1.5)) - respond - start
	}
	work = work.Truncate(time.Minute) + time.Minute
	steps := []step{
		{gap: respond, action: "assign", to: grid.StatusAssigned},
		{gap: start, action: "start", to: grid.StatusInProgress, note: startNote},
		{gap: work, action: "resolve", to: grid.StatusResolved, note: tpl.resolution},
	}
	if rng.Float64() < reworkShare {
		steps = append(steps,
			step{gap: minutes(rng, 4*60, 3*24*60), action: "send_back", to: grid.StatusInProgress,
				note: pickString(rng, sendBackNotes)},
			step{gap: minutes(rng, 24*60, int(sla/time.Minute)/2), action: "resolve", to: grid.StatusResolved,
				note: tpl.resolution})
	}
	// The review follows within two days; one resolved in time is reviewed
	// before its due time too, so that it counts as closed on time (按期办结).
	elapsed := time.Duration(0)
	for _, s := range steps {
		elapsed += s.gap
	}
	verify := minutes(rng, 2*60, 2*24*60)
	if left := sla - elapsed; left > 2*time.Hour && verify >= left {
		verify = minutes(rng, 60, int(left/time.Minute))
	}
	return append(steps, step{gap: verify, action: "verify", to: grid.StatusVerified})
}

// open adds a request still open at Now, as o describes: the steps of the
// loop up to its status, each taking a share of the time left so that the
// last is still before Now, and answered within the day.
func (rb *requestBuilder) open(o openRequest) {
	rng := rb.rng
	tpl := rb.template(rb.pickTopic(), o.category)
	age := o.age[0] + minutes(rng, 0, int((o.age[1]-o.age[0])/time.Minute))
	loop := []step{
		{action: "assign", to: grid.StatusAssigned},
		{action: "start", to: grid.StatusInProgress, note: startNote},
		{action: "resolve", to: grid.StatusResolved, note: tpl.resolution},
	}
	taken := slices.IndexFunc(loop, func(s step) bool { return s.to == o.status }) + 1
	left := age
	steps := loop[:taken]
	for i := range steps {
		steps[i].gap = time.Duration(float64(left)*uniform(rng, 0.1, 0.5)).Truncate(time.Minute) + time.Minute
		if steps[i].to == grid.StatusAssigned {
			steps[i].gap = min(steps[i].gap, minutes(rng, 30, 20*60))
		}
		left -= steps[i].gap
	}
	rb.add(tpl, rb.ds.Now.Add(-age), steps)
}

// startNote is what the worker notes when starting on a request.
const startNote = "已联系企业，开始办理。"

// step is one transition after the report, gap after the previous event.
type step struct {
	gap    time.Duration
	action string
	to     grid.RequestStatus
	note   string
}

// add builds the request and its events: the report at reported, then each
// step, with the actors the roles imply.
func (rb *requestBuilder) add(tpl requestTemplate, reported time.Time, steps []step) {
	oi := rb.pickOrg()
	org := rb.batch.Orgs[oi]
	d := draft{r: grid.Request{
		ZoneID:        1,
		OrgID:         org.ID,
		Title:         tpl.title,
		Description:   tpl.description,
		Category:      tpl.category,
		Topic:         tpl.topic,
		ReportedAt:    reported,
		ResponseDueAt: reported.Add(grid.ResponseTime),
		DueAt:         reported.Add(resolveTime(tpl.category)),
	}}
	d.r.LiaisonID = rb.cover.liaisonAt(oi, reported)
	actors := rb.ds.actorsFor(org.GridID, d.r.LiaisonID)
	d.record(reported, "report", grid.StatusReported, actors.reporter, "")
	at := reported
	for _, s := range steps {
		at = at.Add(s.gap)
		switch s.action {
		case "assign":
			d.r.UnitID = rb.pickUnit(tpl, d.r.LiaisonID)
			d.record(at, s.action, s.to, actors.officer, rb.assignNote(d.r))
		case "start", "resolve":
			d.record(at, s.action, s.to, actors.worker, s.note)
		case "send_back":
			d.record(at, s.action, s.to, actors.reviewer, s.note)
		case "verify":
			d.r.Satisfaction = rb.satisfaction(d.r)
			d.record(at, s.action, s.to, actors.reviewer, fmt.Sprintf("回访企业确认问题已解决，满意度%d分。", d.r.Satisfaction))
		case "reject":
			d.record(at, s.action, s.to, actors.officer, s.note)
		}
	}
	if d.r.Status == grid.StatusVerified || d.r.Status == grid.StatusResolved {
		d.r.Resolution = tpl.resolution
	}
	rb.requests = append(rb.requests, d)
}

// record appends an event and moves the request along with it.
func (d *draft) record(at time.Time, action string, to grid.RequestStatus, actor int64, note string) {
	d.events = append(d.events, grid.RequestEvent{
		At: at, ActorID: actor, Action: action, From: d.r.Status, To: to, Note: note,
	})
	d.r.Status = to
	d.r.Version = len(d.events)
	switch action {
	case "assign":
		d.r.AssignedAt = &at
	case "resolve":
		d.r.ResolvedAt, d.r.ResolvedBy = &at, actor
	case "send_back":
		d.r.ReworkCount++
	case "verify", "reject":
		d.r.ClosedAt = &at
	}
}

// actors are the users who act on a request of one organization.
type actors struct {
	reporter, officer, worker, reviewer int64
}

// actorsFor picks the users acting on a request in the grid, handled by the
// liaison (0 for none): the liaison's own sign-in reports and works it
// where there is one, else the grid officer; the reviewer is never the
// worker.
func (ds *Dataset) actorsFor(gridID, liaisonID int64) actors {
	officer := ds.officerUser[gridID]
	a := actors{reporter: officer, officer: officer, worker: officer, reviewer: ds.adminUser}
	if u, ok := ds.liaisonUser[liaisonID]; ok {
		a.reporter, a.worker, a.reviewer = u, u, officer
	}
	return a
}

// pickOrg draws the requesting organization: mostly one with a liaison,
// high-tech ones twice as often.
func (rb *requestBuilder) pickOrg() int {
	pool := rb.covered
	if len(pool) == 0 || rb.rng.Float64() >= coveredShare {
		return rb.rng.IntN(len(rb.batch.Orgs))
	}
	for {
		oi := pool[rb.rng.IntN(len(pool))]
		if rb.batch.Orgs[oi].HighTech || rb.rng.IntN(2) == 0 {
			return oi
		}
	}
}

func (rb *requestBuilder) pickTopic() grid.RequestTopic {
	return grid.RequestTopic(pickWeighted(rb.rng, topicWeights))
}

// template draws a template of the topic (and category, unless empty),
// falling back to any topic when none has that category.
func (rb *requestBuilder) template(topic grid.RequestTopic, category grid.RequestCategory) requestTemplate {
	var fit []requestTemplate
	for _, t := range requestTemplates {
		if t.topic == topic && (category == "" || t.category == category) {
			fit = append(fit, t)
		}
	}
	if len(fit) == 0 {
		return rb.template(rb.pickTopic(), category)
	}
	return fit[rb.rng.IntN(len(fit))]
}

// pickUnit hands a request to an alliance unit of its template's kind:
// always when no liaison carries the organization, else half the time.
func (rb *requestBuilder) pickUnit(tpl requestTemplate, liaisonID int64) int64 {
	if liaisonID != 0 && rb.rng.IntN(2) == 0 {
		return 0
	}
	units := rb.units[tpl.unit]
	if len(units) == 0 {
		units = rb.units[grid.UnitGovernment]
	}
	return units[rb.rng.IntN(len(units))].ID
}

func (rb *requestBuilder) assignNote(r grid.Request) string {
	var liaison, unit string
	for _, l := range rb.batch.Liaisons {
		if l.ID == r.LiaisonID {
			liaison = "联络员" + l.Name
		}
	}
	for _, u := range rb.ds.Units {
		if u.ID == r.UnitID {
			unit = u.Name
		}
	}
	switch {
	case liaison != "" && unit != "":
		return "交办" + liaison + "会同" + unit + "办理。"
	case unit != "":
		return "交办" + unit + "办理。"
	default:
		return "交办" + liaison + "跟进办理。"
	}
}

// satisfaction draws the rating at verification: mostly 4 or 5, lower
// when the request was late or sent back.
func (rb *requestBuilder) satisfaction(r grid.Request) int {
	weights := []float64{0.5, 1.5, 6, 30, 62} // for 1..5
	if r.ReworkCount > 0 || (r.ResolvedAt != nil && r.ResolvedAt.After(r.DueAt)) {
		weights = []float64{2, 8, 20, 45, 25}
	}
	x := rb.rng.Float64() * sum(weights)
	for i, w := range weights {
		if x < w {
			return i + 1
		}
		x -= w
	}
	return 5
}

func resolveTime(c grid.RequestCategory) time.Duration {
	if c == grid.CategoryComplex {
		return grid.ComplexResolveTime
	}
	return grid.OrdinaryResolveTime
}
