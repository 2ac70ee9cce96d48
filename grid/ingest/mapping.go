package ingest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gridgis/grid"
)

// Field is an organization attribute a column can hold, named as the API
// names it.
type Field string

const (
	FieldName         Field = "name"
	FieldUSCC         Field = "uscc"
	FieldKind         Field = "kind"
	FieldIndustry     Field = "industry"
	FieldAddress      Field = "address"
	FieldLng          Field = "lng"
	FieldLat          Field = "lat"
	FieldLocation     Field = "location" // both coordinates in one cell: "121.5, 31.2"
	FieldEmployees    Field = "employees"
	FieldPartyMembers Field = "party_members"
	FieldPartyOrg     Field = "party_org"
	FieldHighTech     Field = "high_tech"
	FieldSpecialized  Field = "specialized"
)

// Fields lists every field, in the order a register usually has them.
var Fields = []Field{FieldName, FieldUSCC, FieldKind, FieldIndustry, FieldAddress, FieldLng, FieldLat,
	FieldLocation, FieldEmployees, FieldPartyMembers, FieldPartyOrg, FieldHighTech, FieldSpecialized}

// fieldLabels are the fields' Chinese names, for reasons and messages.
var fieldLabels = map[Field]string{
	FieldName: "名称", FieldUSCC: "统一社会信用代码", FieldKind: "类型", FieldIndustry: "行业",
	FieldAddress: "地址", FieldLng: "经度", FieldLat: "纬度", FieldLocation: "坐标",
	FieldEmployees: "从业人员", FieldPartyMembers: "党员人数", FieldPartyOrg: "党组织情况",
	FieldHighTech: "高新技术企业", FieldSpecialized: "专精特新",
}

// headerAliases are the header texts each field is recognised by, after
// normalise.
var headerAliases = map[Field][]string{
	FieldName:         {"名称", "企业名称", "单位名称", "组织名称", "机构名称", "name", "orgname", "organization"},
	FieldUSCC:         {"统一社会信用代码", "社会信用代码", "信用代码", "uscc", "creditcode"},
	FieldKind:         {"类型", "组织类型", "单位类型", "企业类型", "kind", "type"},
	FieldIndustry:     {"行业", "所属行业", "行业类别", "行业分类", "industry"},
	FieldAddress:      {"地址", "详细地址", "注册地址", "经营地址", "address"},
	FieldLng:          {"经度", "lng", "lon", "long", "longitude", "x", geometryLng},
	FieldLat:          {"纬度", "lat", "latitude", "y", geometryLat},
	FieldLocation:     {"坐标", "经纬度", "经纬度坐标", "location", "coordinates", "lnglat"},
	FieldEmployees:    {"从业人员", "从业人员数", "从业人数", "职工人数", "员工人数", "employees"},
	FieldPartyMembers: {"党员人数", "党员数", "党员", "partymembers"},
	FieldPartyOrg:     {"党组织情况", "党组织", "党组织建立情况", "党组织组建情况", "partyorg"},
	FieldHighTech:     {"高新技术企业", "高新企业", "高新技术", "hightech"},
	FieldSpecialized:  {"专精特新", "专精特新企业", "specialized"},
}

var aliasField = func() map[string]Field {
	m := map[string]Field{}
	for f, as := range headerAliases {
		for _, a := range as {
			m[normalise(a)] = f
		}
	}
	return m
}()

// normalise makes a header comparable: no BOM, spaces, underscores,
// hyphens, "*" marks of required columns, bracketed notes such as
// "经度（GCJ-02）", or "是否" of a yes/no column; lower case.
func normalise(h string) string {
	h = strings.TrimPrefix(h, bom)
	var b strings.Builder
	depth := 0
	for _, r := range h {
		switch r {
		case '(', '（', '[', '【':
			depth++
		case ')', '）', ']', '】':
			depth = max(depth-1, 0)
		case ' ', '\t', '\r', '\n', '_', '-', '*', '　':
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	return strings.TrimPrefix(strings.ToLower(b.String()), "是否")
}

// Mapping says which field each column holds: column index (from 0) →
// field. Columns it leaves out are not read. In JSON it is an object
// {"0": "name", "3": "uscc"} or an array ["name", "uscc", "", …] with ""
// for a column not read.
type Mapping map[int]Field

// UnmarshalJSON reads either JSON form.
func (m *Mapping) UnmarshalJSON(b []byte) error {
	var list []Field
	if err := json.Unmarshal(b, &list); err == nil {
		*m = Mapping{}
		for i, f := range list {
			if f != "" {
				(*m)[i] = f
			}
		}
		return nil
	}
	var obj map[string]Field
	if err := json.Unmarshal(b, &obj); err != nil {
		return grid.Invalid("mapping", "列映射须为 JSON 对象 {\"列序号\": \"字段\"} 或数组 / mapping must be a JSON object or array: %v", err)
	}
	*m = Mapping{}
	for k, f := range obj {
		i, err := strconv.Atoi(k)
		if err != nil {
			return grid.Invalid("mapping", "列序号 %q 不是整数 / column index %q is not an integer", k, k)
		}
		(*m)[i] = f
	}
	return nil
}

// GuessMapping maps each header cell it recognises to its field; the first
// column wins when two name the same field.
func GuessMapping(header []string) Mapping {
	m := Mapping{}
	taken := map[Field]bool{}
	for i, h := range header {
		if f, ok := aliasField[normalise(h)]; ok && !taken[f] {
			m[i] = f
			taken[f] = true
		}
	}
	// Coordinates come either in two columns or in one.
	if taken[FieldLocation] && (taken[FieldLng] || taken[FieldLat]) {
		for i, f := range m {
			if f == FieldLocation {
				delete(m, i)
			}
		}
	}
	return m
}

// columns returns m's column of each field.
func (m Mapping) columns() map[Field]int {
	c := make(map[Field]int, len(m))
	for i, f := range m {
		if f != "" {
			c[f] = i
		}
	}
	return c
}

// Validate checks m against a file of width columns (0: not known): known
// field names, columns that exist, no field in two columns, the required
// name, credit code and industry, and coordinates in two columns or one. The error
// is an EInvalid *grid.Error on field "mapping" naming the problem.
func (m Mapping) Validate(width int) error {
	cols := make([]int, 0, len(m))
	for i := range m {
		cols = append(cols, i)
	}
	sort.Ints(cols)
	seen := map[Field]int{}
	for _, i := range cols {
		f := m[i]
		if f == "" {
			continue
		}
		if _, ok := fieldLabels[f]; !ok {
			return grid.Invalid("mapping", "第 %d 列映射到未知字段 %q / column %d: unknown field %q", i+1, f, i, f)
		}
		if i < 0 || (width > 0 && i >= width) {
			return grid.Invalid("mapping", "字段 %s 映射到不存在的第 %d 列（文件共 %d 列）/ field %s: column %d does not exist", f, i+1, width, f, i)
		}
		if j, dup := seen[f]; dup {
			return grid.Invalid("mapping", "字段 %s（%s）同时映射到第 %d 列和第 %d 列 / field %s mapped to columns %d and %d",
				f, fieldLabels[f], j+1, i+1, f, j, i)
		}
		seen[f] = i
	}
	for _, f := range []Field{FieldName, FieldUSCC} {
		if _, ok := seen[f]; !ok {
			return grid.Invalid("mapping", "缺少必需的列：%s（%s）/ required field %s is not mapped", fieldLabels[f], f, f)
		}
	}
	_, lng := seen[FieldLng]
	_, lat := seen[FieldLat]
	_, loc := seen[FieldLocation]
	switch {
	case lng != lat:
		return grid.Invalid("mapping", "经度（lng）和纬度（lat）须同时映射 / lng and lat must be mapped together")
	case loc && lng:
		return grid.Invalid("mapping", "坐标（location）与经度、纬度不能同时映射 / map either location or lng and lat")
	}
	// Every organization needs an industry (grid.Org.Validate): without
	// the column every row would fail alone.
	if _, ok := seen[FieldIndustry]; !ok {
		return grid.Invalid("mapping", "缺少必需的列：%s（%s）/ required field %s is not mapped", fieldLabels[FieldIndustry], FieldIndustry, FieldIndustry)
	}
	return nil
}

// String lists m as "column→field" pairs, for messages and tests.
func (m Mapping) String() string {
	cols := make([]int, 0, len(m))
	for i := range m {
		cols = append(cols, i)
	}
	sort.Ints(cols)
	parts := make([]string, len(cols))
	for k, i := range cols {
		parts[k] = fmt.Sprintf("%d→%s", i, m[i])
	}
	return strings.Join(parts, " ")
}
