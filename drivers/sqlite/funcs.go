package sqlite

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// sqlDriver is a private modernc.org/sqlite driver: the REGEXP function and the decimal
// collation are registered on it alone, so they neither clash with nor leak into other
// users of modernc.org/sqlite in the same program.
var sqlDriver = &sqlite.Driver{}

// sqlDriverName is the database/sql name sqlDriver is registered under.
const sqlDriverName = "dorm-sqlite"

func init() {
	sqlDriver.MustRegisterDeterministicScalarFunction("regexp", 2, regexpFunc)
	sqlDriver.MustRegisterCollationUtf8(DecimalCollation, decimalCompare)
}

// regexps caches compiled patterns of REGEXP.
var regexps struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}

const maxCachedRegexps = 256

// regexpFunc implements "value REGEXP pattern", which SQLite calls as regexp(pattern, value).
// A NULL value gives NULL.
func regexpFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	pat, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("REGEXP: the pattern must be text, got %T", args[0])
	}
	var s string
	switch v := args[1].(type) {
	case nil:
		return nil, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		s = fmt.Sprint(v)
	}
	re, err := compile(pat)
	if err != nil {
		return nil, err
	}
	if re.MatchString(s) {
		return int64(1), nil
	}
	return int64(0), nil
}

func compile(pat string) (*regexp.Regexp, error) {
	regexps.RLock()
	re := regexps.m[pat]
	regexps.RUnlock()
	if re != nil {
		return re, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	regexps.Lock()
	if regexps.m == nil || len(regexps.m) >= maxCachedRegexps {
		regexps.m = map[string]*regexp.Regexp{}
	}
	regexps.m[pat] = re
	regexps.Unlock()
	return re, nil
}

// decimalCompare orders decimal numbers written as text ("-12.50", "3", ".5") exactly, by
// value; "1.5" and "1.50" are equal. Text that is not a decimal number sorts after every
// number, by its bytes.
func decimalCompare(a, b string) int {
	da, oka := parseDecimal(a)
	db, okb := parseDecimal(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return 1
	case !okb:
		return -1
	}
	if da.neg != db.neg {
		if da.neg {
			return -1
		}
		return 1
	}
	c := cmpAbs(da, db)
	if da.neg {
		return -c
	}
	return c
}

type decimal struct {
	neg       bool
	int, frac string // without leading (int) and trailing (frac) zeros
}

func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s == "" {
		return d, false
	}
	switch s[0] {
	case '-':
		d.neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	in, fr, _ := strings.Cut(s, ".")
	if in == "" && fr == "" {
		return d, false
	}
	for _, part := range [2]string{in, fr} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return d, false
			}
		}
	}
	d.int = strings.TrimLeft(in, "0")
	d.frac = strings.TrimRight(fr, "0")
	if d.int == "" && d.frac == "" {
		d.neg = false // -0 == 0
	}
	return d, true
}

func cmpAbs(a, b decimal) int {
	if len(a.int) != len(b.int) {
		if len(a.int) < len(b.int) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.int, b.int); c != 0 {
		return c
	}
	return strings.Compare(a.frac, b.frac)
}
