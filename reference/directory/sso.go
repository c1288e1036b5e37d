package directory

import "time"

// SignPolicy says which signatures a node's SSO service provider requires.
type SignPolicy string

// Signature policies. Keeper "expects that the SAML response is signed"
// (JumpCloud guide; Google guide: "Signed Response"), so SignResponse is the
// default; SignEither accepts a signed Response or a signed Assertion.
const (
	SignResponse  SignPolicy = "response"
	SignAssertion SignPolicy = "assertion"
	SignBoth      SignPolicy = "both"
	SignEither    SignPolicy = "either"
)

// ValidSignPolicy reports whether p is a known policy.
func ValidSignPolicy(p SignPolicy) bool {
	switch p {
	case SignResponse, SignAssertion, SignBoth, SignEither:
		return true
	}
	return false
}

// Keeper's attribute names ("First", "Last", "Email", exact spelling).
const (
	DefaultAttrEmail = "Email"
	DefaultAttrFirst = "First"
	DefaultAttrLast  = "Last"
)

// SSOConfig is a node's SAML SSO service provider configuration (Keeper SSO
// Connect Cloud: one SP per node, never the root). The SP's ID in Keeper's
// URL shapes is the node ID.
type SSOConfig struct {
	NodeID       int64  `json:"node_id"`
	EnterpriseID int64  `json:"enterprise_id"`
	IDPMetadata  string `json:"idp_metadata"` // the IdP's metadata XML
	// JIT: an unknown user with a valid assertion is created in the node
	// (Keeper: "Enable Just-In-Time Provisioning", on by default).
	JIT               bool       `json:"jit"`
	AttrEmail         string     `json:"attr_email"`
	AttrFirst         string     `json:"attr_first"`
	AttrLast          string     `json:"attr_last"`
	SignPolicy        SignPolicy `json:"sign_policy"`
	AllowIDPInitiated bool       `json:"allow_idp_initiated"`
	// AllowSHA1 accepts signatures made with SHA-1 (RSA-SHA1, SHA-1
	// digests). Off by default: SHA-1 collisions are practical.
	AllowSHA1 bool `json:"allow_sha1,omitempty"`
	// RelayStateAllow lists URL prefixes an IdP-initiated RelayState may
	// redirect to; relative paths on the SP's own host are always allowed.
	RelayStateAllow []string  `json:"relay_state_allow,omitempty"`
	Created         time.Time `json:"created"`
	Modified        time.Time `json:"modified"`
}
