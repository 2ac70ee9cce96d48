package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Surnames, roughly by frequency in Henan (the common ones repeated).
var surnames = []string{
	"王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "陈", "陈", "杨", "杨",
	"赵", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗",
	"梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许",
	"傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎",
	"余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭",
	"廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史",
}

// givenChars make one- and two-character given names.
var givenChars = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
	"明", "超", "秀", "霞", "平", "刚", "桂", "华", "英", "建", "国", "志", "海", "红", "鹏",
	"宇", "浩", "凯", "晨", "欣", "雪", "梅", "琳", "博", "文", "斌", "亮", "晓", "燕", "辉",
	"鑫", "佳", "慧", "俊", "帆", "阳", "林", "瑞", "婷", "倩", "颖", "新", "振", "东", "峰",
	"春", "雷", "帅", "彬", "荣", "玉", "兰", "卫", "利", "飞", "成", "忠", "良", "德", "晶",
}

// tradeNames are the 字号 part of company names: made-up, and avoiding the
// well-known enterprises of the real zone.
var tradeNames = []string{
	"鑫源", "华瑞", "鹰城", "宏达", "恒信", "天宇", "金泰", "瑞丰", "博远", "凯盛",
	"众成", "正和", "嘉禾", "德润", "汇通", "佳诚", "远航", "盛世", "启明", "腾飞",
	"润泽", "昊天", "景瑞", "永昌", "晨光", "东方", "锦程", "卓越", "创力", "优联",
	"诚泰", "华耀", "康达", "安泰", "立信", "志远", "聚贤", "明辉", "银河", "千禾",
	"兴业", "益民", "恒达", "通宇", "福瑞", "尧山", "湛河", "石龙", "白龟", "应国",
	"叶邑", "开元", "祥和", "圣光", "冠华", "天成", "中科", "百川", "信达", "华创",
	"泰和", "海川", "长青", "兆丰", "宏远", "鼎盛", "恒瑞", "金鹰", "中原", "新源",
	"普华", "星火", "驰宇", "精诚", "同创", "利民", "博创", "超越", "卓然", "恒昌",
}

// businessWords name what a company does, by industry.
var businessWords = map[string][]string{
	"新材料":  {"新材料科技", "尼龙新材料", "碳材料", "复合材料", "高分子材料", "特种纤维", "工程塑料", "新型材料"},
	"新能源":  {"新能源科技", "光伏科技", "储能科技", "氢能科技", "锂电科技", "能源技术", "电力能源"},
	"装备制造": {"电气", "智能装备", "机械制造", "电力设备", "精密机械", "输配电设备", "自动化设备", "重工机械"},
	"电子信息": {"电子科技", "信息技术", "软件科技", "智能科技", "光电科技", "数据科技", "网络技术"},
	"生物医药": {"生物科技", "医药", "医疗器械", "生物工程", "药业", "健康科技"},
	"现代服务": {"企业管理咨询", "检验检测", "人力资源服务", "科技服务", "工程设计", "知识产权代理"},
	"物流":   {"物流", "供应链管理", "仓储物流", "运输"},
	"建筑建材": {"建材", "建筑工程", "新型墙材", "混凝土"},
	"食品加工": {"食品", "粮油", "饮品", "农产品加工"},
	"纺织服装": {"纺织", "服饰", "针织"},
	"电子商务": {"电子商务", "网络科技", "跨境电商"},
	"文化创意": {"文化传媒", "广告", "创意设计", "影视文化"},
	"商贸":   {"商贸", "贸易", "五金机电"},
	"餐饮":   {"餐饮管理", "餐饮服务", "团餐服务"},
}

// companySuffixes are legal-form endings, weighted by repetition.
var companySuffixes = []string{
	"有限公司", "有限公司", "有限公司", "有限公司", "有限公司", "有限公司", "有限公司",
	"有限公司", "股份有限公司", "有限责任公司",
}

// associationThemes name the zone's 社会团体 (registered as 51...).
var associationThemes = []string{
	"企业家联合会", "青年企业家商会", "女企业家协会", "科技工作者协会", "人力资源协会",
	"安全生产协会", "质量管理协会", "知识产权协会", "电子商务协会", "物流行业协会",
	"餐饮行业协会", "个体劳动者协会", "浙江商会", "福建商会", "江西商会", "湖北商会",
	"山东商会", "新材料产业促进会", "装备制造业协会", "新能源产业联盟",
}

// serviceOrgForms name the zone's 民办非企业单位 (52...), with their industry.
var serviceOrgForms = []struct{ form, industry string }{
	{"社会工作服务中心", "社会服务"},
	{"社区服务中心", "社会服务"},
	{"志愿服务中心", "社会服务"},
	{"职业技能培训学校", "教育培训"},
	{"养老服务中心", "社会服务"},
}

// eastWestRoads run across the zone from south to north; an address picks
// the one nearest its point.
var eastWestRoads = []string{
	"高新南路", "火炬路", "创业路", "科技路", "创新大道", "神马大道", "光明东路", "高新北路",
}

// namer hands out personal names that are unique within one generator.
type namer struct{ used map[string]bool }

func newNamer() *namer { return &namer{used: make(map[string]bool)} }

// person returns a new realistic Chinese name: a surname and one or two
// given-name characters.
func (n *namer) person(rng *rand.Rand) string {
	for {
		var b strings.Builder
		b.WriteString(pickString(rng, surnames))
		b.WriteString(pickString(rng, givenChars))
		if rng.IntN(10) < 7 {
			b.WriteString(pickString(rng, givenChars))
		}
		if name := b.String(); !n.used[name] {
			n.used[name] = true
			return name
		}
	}
}

// mobile returns an 11-digit mainland mobile number of the 13x, 15x or 18x
// ranges.
func mobile(rng *rand.Rand) string {
	prefixes := [...]string{"130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
		"152", "155", "156", "158", "159", "180", "181", "182", "185", "186", "187", "188", "189"}
	return fmt.Sprintf("%s%08d", prefixes[rng.IntN(len(prefixes))], rng.IntN(100_000_000))
}

// landline returns a Pingdingshan (0375) office number.
func landline(rng *rand.Rand) string {
	return fmt.Sprintf("0375-%d%06d", 2+rng.IntN(7), rng.IntN(1_000_000))
}

func pickString(rng *rand.Rand, list []string) string { return list[rng.IntN(len(list))] }
