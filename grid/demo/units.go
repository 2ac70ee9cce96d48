package demo

import (
	"math/rand/v2"

	"gridgis/grid"
)

// allianceUnits are the 28 members of the 红领企服联盟: party and government
// departments, 8 banks and investors, research institutes, associations and
// service providers. The names are illustrative.
var allianceUnits = []struct {
	name string
	kind grid.UnitKind
}{
	{"平顶山高新区党群工作部", grid.UnitGovernment},
	{"平顶山高新区经济发展局", grid.UnitGovernment},
	{"平顶山高新区规划建设局", grid.UnitGovernment},
	{"平顶山高新区财政金融局", grid.UnitGovernment},
	{"平顶山高新区社会事业局", grid.UnitGovernment},
	{"平顶山高新区应急管理局", grid.UnitGovernment},
	{"平顶山市生态环境局高新分局", grid.UnitGovernment},
	{"平顶山市市场监督管理局高新分局", grid.UnitGovernment},
	{"国家税务总局平顶山高新技术产业开发区税务局", grid.UnitGovernment},
	{"中国工商银行平顶山高新区支行", grid.UnitBank},
	{"中国建设银行平顶山高新区支行", grid.UnitBank},
	{"中国银行平顶山高新区支行", grid.UnitBank},
	{"中原银行平顶山分行", grid.UnitBank},
	{"郑州银行平顶山分行", grid.UnitBank},
	{"平顶山农村商业银行高新区支行", grid.UnitBank},
	{"平顶山高新区科技创业投资有限公司", grid.UnitInvestor},
	{"河南中原科创产业投资基金管理有限公司", grid.UnitInvestor},
	{"河南城建学院", grid.UnitResearch},
	{"平顶山学院", grid.UnitResearch},
	{"河南质量工程职业学院", grid.UnitResearch},
	{"河南省尼龙新材料产业技术研究院", grid.UnitResearch},
	{"平顶山市智能电网装备工程技术研究中心", grid.UnitResearch},
	{"平顶山高新区企业联合会", grid.UnitAssociation},
	{"平顶山高新区新材料产业协会", grid.UnitAssociation},
	{"平顶山市青年企业家商会", grid.UnitAssociation},
	{"平顶山高新区党企连心服务中心", grid.UnitService},
	{"河南鹰城律师事务所", grid.UnitService},
	{"平顶山市知识产权运营服务中心", grid.UnitService},
}

// makeUnits lists the alliance units, each with a contact person and an
// office number.
func makeUnits(rng *rand.Rand) []grid.Unit {
	names := newNamer()
	out := make([]grid.Unit, len(allianceUnits))
	for i, u := range allianceUnits {
		out[i] = grid.Unit{
			ID:      int64(i + 1),
			ZoneID:  1,
			Name:    u.name,
			Kind:    u.kind,
			Contact: names.person(rng) + " " + landline(rng),
		}
	}
	return out
}
