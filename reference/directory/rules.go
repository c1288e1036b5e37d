package directory

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
)

// Kind classifies a domain error; the SCIM and admin layers map kinds to
// statuses in one place each.
type Kind int

// Error kinds.
const (
	KindInvalid      Kind = iota + 1 // bad input: malformed email, wrong reference
	KindNotFound                     // no such resource in this scope
	KindConflict                     // uniqueness: email taken, duplicate group name, endpoint exists
	KindNoSeats                      // no licensed seat left (Keeper: 428)
	KindPrecondition                 // If-Match version mismatch
	KindForbidden                    // refused by policy: locked user, JIT off, root node endpoint
)

// Error is a domain error: what was attempted, its kind and a detail for humans.
type Error struct {
	Op     string
	Kind   Kind
	Detail string
	// Field names the input that was wrong, for KindInvalid (e.g. "userName", "members").
	Field string
}

func (e *Error) Error() string { return e.Op + ": " + e.Detail }

// Errorf builds an *Error.
func Errorf(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, or 0 when err is not a domain error.
func KindOf(err error) Kind {
	var de *Error
	if errors.As(err, &de) {
		return de.Kind
	}
	return 0
}

// ValidEmail reports whether s is a plain email address (local@domain, the
// domain holding a dot), the check Keeper applies to a provisioned user's
// userName or emails.
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// EmailDomain returns the lower-cased domain of an email address.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// IdentityEmail picks the Keeper identity of a provisioned user: userName
// when it is an email address, else the primary email, else the first valid
// one. Keeper: "Keeper requires either their username or email to contain a
// valid email address".
func IdentityEmail(userName string, emails []Email) (string, bool) {
	if ValidEmail(userName) {
		return userName, true
	}
	for _, e := range emails {
		if e.Primary && ValidEmail(e.Value) {
			return e.Value, true
		}
	}
	for _, e := range emails {
		if ValidEmail(e.Value) {
			return e.Value, true
		}
	}
	return "", false
}

// Identity picks the identity of a provisioned user on a node whose identity
// mode is mode: IdentityModeEmail as IdentityEmail does, IdentityModeAny the
// userName itself (non-empty: RFC 7643 §4.1.1 requires it, and it stays
// unique like an email identity). ok is false when there is none.
func Identity(mode IdentityMode, userName string, emails []Email) (string, bool) {
	if mode == IdentityModeAny {
		return userName, userName != ""
	}
	return IdentityEmail(userName, emails)
}

// MembershipApprovable reports whether a queued membership can be approved:
// Keeper approves a queued team user only when the user is active and not
// locked, and the team itself is no longer queued.
func MembershipApprovable(u User, t Team) bool {
	return u.Status == UserActive && !u.Locked && t.Status == TeamActive
}

// LinkOrConflict decides what provisioning an email that already belongs to
// existing means on node n: Keeper links a user already in the same node
// (nil) and refuses any other (KindConflict); a node in RFC mode
// (ReprovisionConflict) refuses the same-node user too.
func LinkOrConflict(existing User, n Node) error {
	if existing.NodeID == n.ID && n.Settings.Reprovision != ReprovisionConflict {
		return nil
	}
	return Errorf("create user", KindConflict, "email %q is already taken", existing.Email)
}

// NewToken returns a SCIM bearer token (32 random bytes, base64url without
// padding: 43 characters) and the hash that is stored instead of it.
func NewToken(r io.Reader) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", nil, fmt.Errorf("token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenMatches compares a presented token with a stored hash in constant time.
func TokenMatches(token string, hash []byte) bool {
	if len(hash) != sha256.Size {
		return false
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], hash) == 1
}

// NewTeamUID returns a Keeper team UID: 16 random bytes, base64url (22 characters).
func NewTeamUID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("team uid: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
