package report

import (
	"io"
	"iter"

	"gridgis/grid"
)

// Request is a request (诉求) as a ledger lists it: the domain value with
// the names of its organization, grid, liaison and alliance unit, and its
// SLA colour at the export.
type Request struct {
	grid.Request
	OrgName     string
	GridName    string
	LiaisonName string
	UnitName    string
	SLA         grid.SLAColour
}

var requestColumns = []column{
	{"编号", integer}, {"诉求标题", text}, {"诉求企业", text}, {"所属网格", text},
	{"服务领域", text}, {"诉求类别", text}, {"办理状态", text}, {"时限状态", text}, {"督办", text},
	{"交办联络员", text}, {"联盟单位", text},
	{"上报时间", datetime}, {"响应时限", datetime}, {"办结时限", datetime},
	{"交办时间", datetime}, {"销号时间", datetime}, {"办结时间", datetime},
	{"返工次数", integer}, {"满意度", integer}, {"诉求内容", text}, {"办理结果", text},
}

func (s *sheet) addRequest(r *Request) error {
	var satisfaction any
	if r.Satisfaction > 0 {
		satisfaction = r.Satisfaction
	}
	sla := label(slaLabels, r.SLA)
	if r.Status.Closed() {
		sla = "已结束"
	}
	return s.add(r.ID, r.Title, r.OrgName, r.GridName,
		label(topicLabels, r.Topic), label(categoryLabels, r.Category), label(statusLabels, r.Status), sla,
		label(supervisionLabels, r.Supervision), r.LiaisonName, r.UnitName,
		r.ReportedAt, r.ResponseDueAt, r.DueAt, r.AssignedAt, r.ResolvedAt, r.ClosedAt,
		r.ReworkCount, satisfaction, r.Description, r.Resolution)
}

// WriteRequestsXLSX writes a request ledger (诉求台账): one sheet titled
// title, times in China Standard Time as Excel dates, statuses and
// categories in Chinese.
func WriteRequestsXLSX(w io.Writer, title string, requests iter.Seq2[Request, error]) error {
	b, err := newBook()
	if err != nil {
		return err
	}
	s := b.sheet("诉求台账", title, requestColumns)
	for r, err := range requests {
		if err == nil {
			err = s.addRequest(&r)
		}
		if err != nil {
			_ = b.f.Close()
			return err
		}
	}
	return b.write(w)
}

// Contact is a logged contact or visit as a ledger lists it, with its
// organization's and grid's names.
type Contact struct {
	grid.ContactEntry
	OrgName  string
	GridName string
}

var contactColumns = []column{
	{"时间", datetime}, {"方式", text}, {"企业", text}, {"所属网格", text},
	{"联络员", text}, {"记录内容", text}, {"登记时间", datetime},
}

// WriteContactsXLSX writes a contact ledger (联系走访台账): one sheet
// titled title listing contacts and visits alike with their kind (方式);
// a visit ledger is the same ledger given only visits, under its own
// title (走访台账).
func WriteContactsXLSX(w io.Writer, title string, contacts iter.Seq2[Contact, error]) error {
	b, err := newBook()
	if err != nil {
		return err
	}
	s := b.sheet("联系走访台账", title, contactColumns)
	for c, err := range contacts {
		if err == nil {
			var liaison string
			if c.LiaisonName != nil {
				liaison = *c.LiaisonName
			}
			err = s.add(c.At, label(contactKindLabels, c.Kind), c.OrgName, c.GridName, liaison, c.Note, c.CreatedAt)
		}
		if err != nil {
			_ = b.f.Close()
			return err
		}
	}
	return b.write(w)
}
