package confgen

import (
	"fmt"
	"strings"
)

// ParseBool reads a boolean as Config::General's AutoTrue and stompclt do:
// true, yes, on, 1 and false, no, off, 0, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true/false, yes/no, on/off or 1/0)", s)
}
