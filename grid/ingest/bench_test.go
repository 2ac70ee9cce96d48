package ingest

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// benchRows is a register of n rows, all valid, most located.
func benchRows(n int) [][]string {
	rows := make([][]string, 0, n+1)
	rows = append(rows, zhHeader)
	for i := range n {
		lng, lat := "", ""
		if i%10 != 0 {
			lng = strconv.FormatFloat(121+float64(i%1000)/1000, 'f', 6, 64)
			lat = strconv.FormatFloat(31+float64(i%997)/1000, 'f', 6, 64)
		}
		rows = append(rows, []string{fmt.Sprintf("上海第%d科技有限公司", i), code(i + 1), "企业", "软件",
			"浦东新区张江路 " + strconv.Itoa(i) + " 号", lng, lat, "120", "8", "单独组建", "是", "否"})
	}
	return rows
}

func benchRead(b *testing.B, file []byte, n int) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := ReadOrgs(bytes.NewReader(file), Options{})
		if err != nil || res.Valid != n {
			b.Fatalf("valid %d of %d: %v %+v", res.Valid, n, err, res.Problems[:min(3, len(res.Problems))])
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSV100k reads and checks 100,000 CSV rows.
func BenchmarkCSV100k(b *testing.B) {
	const n = 100_000
	benchRead(b, toCSV(b, benchRows(n), ','), n)
}

// BenchmarkXLSX100k reads and checks 100,000 XLSX rows.
func BenchmarkXLSX100k(b *testing.B) {
	const n = 100_000
	benchRead(b, toXLSX(b, benchRows(n), "Sheet1"), n)
}
