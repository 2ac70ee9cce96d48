package grid

import "strings"

// usccAlphabet is GB 32100's 31-character alphabet: digits and capitals
// without I, O, S, V and Z.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for the first 17 positions.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidUSCC reports whether code is a well-formed unified social credit
// code (统一社会信用代码): 18 characters of the GB 32100 alphabet, a
// six-digit administrative division code at positions 3-8, and a correct
// check character. The SQL twin is uscc_valid().
func ValidUSCC(code string) bool {
	if len(code) != 18 {
		return false
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	check, ok := USCCCheckChar(code[:17])
	return ok && code[17] == check
}

// USCCCheckChar returns the check character for the first 17 characters of
// a unified social credit code, and false if body is not 17 characters of
// the GB 32100 alphabet.
func USCCCheckChar(body string) (byte, bool) {
	if len(body) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}
