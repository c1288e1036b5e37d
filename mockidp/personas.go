package mockidp

import (
	"fmt"
	"sort"
	"time"
)

// SAML NameID formats.
const (
	NameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
)

// Attribute name formats.
const (
	AttrFormatBasic       = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
	AttrFormatUnspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
	AttrFormatURI         = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
)

// Sign says which elements of a Response the IdP signs.
type Sign string

// What is signed.
const (
	SignBoth      Sign = "both"      // Response and Assertion
	SignResponse  Sign = "response"  // Response only
	SignAssertion Sign = "assertion" // Assertion only
	SignNone      Sign = "none"      // nothing (only through a fault)
)

// AttrNames are the SAML attribute names the IdP sends for a user's email,
// first and last name. An empty name is not sent.
type AttrNames struct {
	Email string `json:"email" yaml:"email"`
	First string `json:"first" yaml:"first"`
	Last  string `json:"last" yaml:"last"`
}

// KeeperAttrs are the names Keeper SSO Connect expects, "configured with the
// exact spelling" (Keeper ADFS / Google Workspace guides; keeper-facts §8.68).
var KeeperAttrs = AttrNames{Email: "Email", First: "First", Last: "Last"}

// Persona is how one real IdP shapes its responses.
type Persona struct {
	Name string
	// EntityID returns the IdP entity ID (the Issuer) given the IdP's base URL.
	EntityID func(base string) string
	// NameIDFormat of the Subject's NameID (its value is the user's email).
	NameIDFormat string
	// Attrs are the attribute names; AttrFormat their NameFormat.
	Attrs      AttrNames
	AttrFormat string
	// Extra attributes the IdP adds by default (name -> user field:
	// "email", "first", "last", "display").
	Extra map[string]string
	// Sign says what is signed (RSA-SHA256, SHA-256 digest, exc-c14n).
	Sign Sign
	// Lifetime is Conditions NotOnOrAfter - IssueInstant (also the
	// SubjectConfirmationData NotOnOrAfter); Skew is how far NotBefore lies
	// before IssueInstant.
	Lifetime time.Duration
	Skew     time.Duration
	// ResponseIDPrefix starts Response and Assertion IDs (must be an NCName start).
	ResponseIDPrefix string
	// Source documents where each choice comes from.
	Source string
}

// Personas are the built-in IdP personas, by name. Choices not documented by
// the vendor are marked "assumption" in Source.
var Personas = map[string]Persona{
	"generic": {
		Name: "generic", EntityID: func(b string) string { return b + "/metadata" },
		NameIDFormat: NameIDEmail, Attrs: KeeperAttrs, AttrFormat: AttrFormatBasic,
		Sign: SignBoth, Lifetime: 5 * time.Minute, Skew: time.Minute, ResponseIDPrefix: "_",
		Source: "Keeper SSO Connect GENERIC IdP guide: NameID emailAddress, attributes First/Last/Email, " +
			"signed response. Entity ID = metadata URL (crewjam convention). Lifetime 5 min: assumption.",
	},
	"jumpcloud": {
		Name: "jumpcloud", EntityID: func(string) string { return "JumpCloud" },
		NameIDFormat: NameIDEmail, Attrs: KeeperAttrs, AttrFormat: AttrFormatBasic,
		Sign: SignResponse, Lifetime: 5 * time.Minute, Skew: time.Minute, ResponseIDPrefix: "_",
		Source: "JumpCloud SSO connector: IdP Entity ID is free text (commonly \"JumpCloud\"); SAMLSubject NameID = email; " +
			"RSA-SHA256; Sign: Response (Keeper guide: \"Keeper SSO Connect expects that the SAML response is signed\"). " +
			"Lifetime: assumption.",
	},
	"cloudgate": {
		Name: "cloudgate", EntityID: func(b string) string { return b + "/cloudgate/saml2/idp" },
		NameIDFormat: NameIDEmail, Attrs: AttrNames{Email: "Email"}, AttrFormat: AttrFormatBasic,
		Sign: SignBoth, Lifetime: 5 * time.Minute, Skew: time.Minute, ResponseIDPrefix: "_",
		Source: "Keeper CloudGate UNO guide: one attribute Email = ${MAIL_ADDRESS}; metadata imported as GENERIC. " +
			"Entity ID shape, what is signed and lifetime: assumption.",
	},
	"okta": {
		Name: "okta", EntityID: func(string) string { return "http://www.okta.com/exkprovkitmock0000001" },
		NameIDFormat: NameIDUnspecified, Attrs: KeeperAttrs, AttrFormat: AttrFormatBasic,
		Sign: SignBoth, Lifetime: 5 * time.Minute, Skew: 5 * time.Minute, ResponseIDPrefix: "id",
		Source: "Okta: Issuer http://www.okta.com/<appId>; Response IDs id<digits>; NameID format default Unspecified " +
			"(value = email); responseSigned and assertionSigned settings (API SamlApplicationSettingsSignOn), both on here; " +
			"Keeper Okta app: attribute statements Email/First/Last. Lifetime/skew: assumption.",
	},
	"entra": {
		Name: "entra", EntityID: func(string) string { return "https://sts.windows.net/7f0c4a8e-2d1b-4c53-9e6a-provkitmock0/" },
		NameIDFormat: NameIDEmail, Attrs: KeeperAttrs, AttrFormat: AttrFormatUnspecified,
		Extra: map[string]string{
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":    "first",
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":      "last",
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "email",
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":         "email",
		},
		Sign: SignAssertion, Lifetime: 70 * time.Minute, Skew: 5 * time.Minute, ResponseIDPrefix: "_",
		Source: "Microsoft Entra Keeper tutorial: claims First=user.givenname, Last=user.surname, Email=user.mail, plus the " +
			"default xmlsoap claims; token signing default TokenOnly (assertion only; Graph tokenIssuancePolicy); " +
			"Issuer https://sts.windows.net/<tenant>/ (unverified here). Lifetime ~70 min / skew 5 min: assumption.",
	},
	"google": {
		Name: "google", EntityID: func(string) string { return "https://accounts.google.com/o/saml2?idpid=C0provkit" },
		NameIDFormat: NameIDEmail, Attrs: KeeperAttrs, AttrFormat: AttrFormatBasic,
		Sign: SignBoth, Lifetime: 5 * time.Minute, Skew: time.Minute, ResponseIDPrefix: "_",
		Source: "Keeper Google Workspace guide: NameID format EMAIL, attributes First/Last/Email (\"the spelling needs to be " +
			"exact\"), select \"Signed Response\". Entity ID shape https://accounts.google.com/o/saml2?idpid=<id>. Lifetime: assumption.",
	},
	"onelogin": {
		Name: "onelogin", EntityID: func(string) string { return "https://app.onelogin.com/saml/metadata/provkit-mock" },
		NameIDFormat: NameIDEmail, Attrs: KeeperAttrs, AttrFormat: AttrFormatBasic,
		Sign: SignAssertion, Lifetime: 3 * time.Minute, Skew: 3 * time.Minute, ResponseIDPrefix: "R",
		Source: "OneLogin: entity https://app.onelogin.com/saml/metadata/<id>; Keeper attributes First/Last/Email. " +
			"Signing (assertion by default) and 3 min lifetime: assumption.",
	},
}

// PersonaNames lists the built-in personas, sorted.
func PersonaNames() []string {
	var ns []string
	for n := range Personas {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// LookupPersona returns a built-in persona.
func LookupPersona(name string) (Persona, error) {
	if name == "" {
		name = "generic"
	}
	p, ok := Personas[name]
	if !ok {
		return Persona{}, fmt.Errorf("mockidp: unknown persona %q (known: %v)", name, PersonaNames())
	}
	return p, nil
}
