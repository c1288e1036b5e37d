package text

import (
	"errors"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	for body, want := range map[string]error{
		`{"a":"b"}`:                nil,
		`{"a":"\\u0000"}`:          nil, // an escaped backslash, then text
		`{"a":"\\\\u0000"}`:        nil,
		`{"a":"\u00e9\n"}`:         nil,
		`{"a":"x\u0000"}`:          ErrNUL,
		`{"a":"\\\u0000"}`:         ErrNUL, // \\ then \u0000
		`{"a\u0000":1}`:            ErrNUL,
		"{\"a\":\"\x00\"}":         ErrNUL,
		"{\"a\":\"\xff\"}":         ErrInvalidUTF8,
		"{\"a\":\"\xed\xa0\x80\"}": ErrInvalidUTF8, // an encoded surrogate
		`\`:                        nil,
	} {
		if got := CheckJSON([]byte(body)); !errors.Is(got, want) {
			t.Errorf("CheckJSON(%q) = %v, want %v", body, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	for s, want := range map[string]error{"ok é": nil, "a\x00": ErrNUL, "\xc3\x28": ErrInvalidUTF8} {
		if got := Check(s); !errors.Is(got, want) {
			t.Errorf("Check(%q) = %v, want %v", s, got, want)
		}
	}
}
