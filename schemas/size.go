package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize reads a size as the node config and the size flags write it:
// whole bytes ("16384", "512B") or a whole number of KiB, MiB or GiB
// ("16KiB", "1 MiB"), at most max bytes.
func ParseSize(s string, max int64) (int64, error) {
	num := strings.TrimSpace(s)
	unit := int64(1)
	for suffix, u := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "B": 1} {
		if strings.HasSuffix(num, suffix) && (suffix != "B" || !strings.HasSuffix(num, "iB")) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(num, suffix)), u
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want whole bytes or a whole number of KiB, MiB or GiB, such as 16KiB", s)
	}
	if n > max/unit {
		return 0, fmt.Errorf("size %q: at most %d bytes", s, max)
	}
	return n * unit, nil
}
