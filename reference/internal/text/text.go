// Package text checks the strings the reference server's APIs accept from a
// request: valid UTF-8 without NUL. PostgreSQL's text type holds neither a
// NUL nor invalid UTF-8 (SQLite holds both), and encoding/json silently
// replaces invalid bytes with U+FFFD; refusing both where a request enters
// keeps the two backends in agreement and the stored value the one sent.
package text

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"
)

// Errors of Check and CheckJSON.
var (
	ErrInvalidUTF8 = errors.New("is not valid UTF-8")
	ErrNUL         = errors.New("contains a NUL character")
)

// Check refuses a NUL byte or invalid UTF-8 in s.
func Check(s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}

// CheckJSON refuses a JSON text that is not valid UTF-8 or that has a NUL
// in a string (a raw NUL, or the escape \u0000).
func CheckJSON(body []byte) error {
	if !utf8.Valid(body) {
		return ErrInvalidUTF8
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return ErrNUL
	}
	// In valid JSON every backslash starts an escape, \x or \uXXXX, so
	// skipping two bytes after each finds every \u0000 and no \\u0000.
	for i := bytes.IndexByte(body, '\\'); i >= 0 && i+1 < len(body); {
		if body[i+1] == 'u' && bytes.HasPrefix(body[i+2:], []byte("0000")) {
			return ErrNUL
		}
		next := bytes.IndexByte(body[i+2:], '\\')
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return nil
}
