package mockidp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Fault names a deliberate defect of a Response. A correct service provider
// rejects every faulty response, creates no user and starts no session.
type Fault string

// The faults.
const (
	FaultUnsignedResponse  Fault = "unsigned-response"            // neither Response nor Assertion signed
	FaultUnsignedAssertion Fault = "unsigned-assertion"           // Response signed, Assertion not
	FaultUntrustedKey      Fault = "untrusted-key"                // signed by a key the SP does not trust (its cert in KeyInfo, with the trusted cert's subject name)
	FaultXSW1              Fault = "xsw1"                         // signed Response copied into its own Signature; outer Response forged
	FaultXSW2              Fault = "xsw2"                         // signed Response copied before its Signature; outer Response forged
	FaultXSW3              Fault = "xsw3"                         // forged unsigned Assertion inserted before the signed one
	FaultXSW4              Fault = "xsw4"                         // forged Assertion wraps the signed one
	FaultXSW5              Fault = "xsw5"                         // signed Assertion forged in place; clean copy appended
	FaultXSW6              Fault = "xsw6"                         // signed Assertion forged in place; clean copy inside its Signature
	FaultXSW7              Fault = "xsw7"                         // forged Assertion in samlp:Extensions before the signed one
	FaultXSW8              Fault = "xsw8"                         // signed Assertion forged in place; clean copy in a ds:Object of its Signature
	FaultExpired           Fault = "expired"                      // Conditions and SubjectConfirmationData ended an hour ago
	FaultNotYetValid       Fault = "not-yet-valid"                // NotBefore an hour ahead
	FaultWrongAudience     Fault = "wrong-audience"               // Audience is another SP
	FaultWrongRecipient    Fault = "wrong-recipient"              // SubjectConfirmationData Recipient is another ACS
	FaultWrongDestination  Fault = "wrong-destination"            // Response Destination is another ACS
	FaultWrongInResponseTo Fault = "wrong-in-response-to"         // InResponseTo names no request of the SP
	FaultReplay            Fault = "replay"                       // the user's previous Response to this SP, sent again byte for byte
	FaultCommentNameID     Fault = "comment-nameid"               // signed for user@dom.evil.test, then <!----> after user@dom
	FaultTwoAssertions     Fault = "two-assertions"               // a second, unsigned Assertion for another user after the signed one
	FaultWrongIssuer       Fault = "wrong-issuer"                 // Issuer is another IdP (signature by the trusted key)
	FaultStatusResponder   Fault = "status-responder"             // StatusCode Responder (not Success)
	FaultNoAudience        Fault = "no-audience-restriction"      // Conditions without AudienceRestriction (crewjam's SP accepts it)
	FaultNoConditions      Fault = "no-conditions"                // no Conditions element (crewjam's SP panics)
	FaultNoSubjectConfData Fault = "no-subject-confirmation-data" // bearer SubjectConfirmation without data (crewjam's SP panics)
	FaultSHA1              Fault = "sha1-signature"               // signed by the trusted key, but RSA-SHA1 with SHA-1 digests
	FaultSHA1Digests       Fault = "sha1-digests"                 // signed by the trusted key with RSA-SHA256, over SHA-1 digests
	FaultAssertionIssuer   Fault = "wrong-assertion-issuer"       // the Assertion's Issuer is another IdP, the Response's is right
	FaultReplayRewrapped   Fault = "replay-rewrapped"             // the user's previous signed Assertion, in a new unsigned Response
	FaultCommentAttribute  Fault = "comment-attribute"            // like comment-nameid, but the comment is in the email attribute only
)

var faultCatalogue = map[Fault]string{
	FaultUnsignedResponse: "no signature at all", FaultUnsignedAssertion: "unsigned assertion inside a signed response",
	FaultUntrustedKey: "signature by an untrusted key", FaultXSW1: "XML signature wrapping 1", FaultXSW2: "XML signature wrapping 2",
	FaultXSW3: "XML signature wrapping 3", FaultXSW4: "XML signature wrapping 4", FaultXSW5: "XML signature wrapping 5",
	FaultXSW6: "XML signature wrapping 6", FaultXSW7: "XML signature wrapping 7", FaultXSW8: "XML signature wrapping 8",
	FaultExpired: "expired assertion", FaultNotYetValid: "assertion not yet valid", FaultWrongAudience: "wrong audience",
	FaultWrongRecipient: "wrong recipient", FaultWrongDestination: "wrong destination",
	FaultWrongInResponseTo: "wrong InResponseTo", FaultReplay: "replayed response",
	FaultCommentNameID: "comment-injected NameID", FaultTwoAssertions: "two assertions",
	FaultWrongIssuer: "wrong issuer", FaultStatusResponder: "non-success status",
	FaultNoAudience: "no AudienceRestriction", FaultNoConditions: "no Conditions",
	FaultNoSubjectConfData: "no SubjectConfirmationData", FaultSHA1: "RSA-SHA1 signature by the trusted key",
	FaultSHA1Digests: "RSA-SHA256 signature over SHA-1 digests", FaultAssertionIssuer: "wrong issuer on the assertion only",
	FaultReplayRewrapped: "replayed assertion in a new response", FaultCommentAttribute: "comment-injected email attribute",
}

// Faults lists every fault name, sorted.
func Faults() []Fault {
	out := make([]Fault, 0, len(faultCatalogue))
	for f := range faultCatalogue {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Describe returns a fault's one-line description ("" if unknown).
func Describe(f Fault) string { return faultCatalogue[f] }

// ParseFaults splits a comma-separated list and checks every name.
func ParseFaults(s string) ([]Fault, error) {
	var out []Fault
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, ok := faultCatalogue[Fault(part)]; !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownFault, part)
		}
		out = append(out, Fault(part))
	}
	return out, nil
}

// Victim is who a wrapping attack claims to be: an administrator of the
// user's domain, named after the user (alice@dom -> admin.alice@dom) so that
// scenarios, and runs against one SP, never share a victim's account.
func Victim(email string) string {
	local, dom, _ := strings.Cut(email, "@")
	return "admin." + local + "@" + dom
}

func child(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

func childIndex(el, c *etree.Element) int {
	for i, n := range el.Child {
		if n == c {
			return i
		}
	}
	return -1
}

func withoutSignature(el *etree.Element) *etree.Element {
	c := el.Copy()
	if s := child(c, "Signature"); s != nil {
		c.RemoveChild(s)
	}
	return c
}

// forge rewrites an Assertion's subject and email attribute to the victim.
func (p *IdP) forge(a *etree.Element, victim string) {
	if subj := child(a, "Subject"); subj != nil {
		if n := child(subj, "NameID"); n != nil {
			n.SetText(victim)
		}
	}
	for _, st := range a.SelectElements("AttributeStatement") {
		for _, at := range st.SelectElements("Attribute") {
			name := at.SelectAttrValue("Name", "")
			if name == p.persona.Attrs.Email || p.persona.Extra[name] == "email" {
				for _, v := range at.SelectElements("AttributeValue") {
					v.SetText(victim)
				}
			}
		}
	}
}

// wrap applies the wrapping faults to a signed Response.
func (p *IdP) wrap(fs map[Fault]bool, resp *etree.Element, u User) error {
	victim := Victim(u.Email)
	a := child(resp, "Assertion")
	if a == nil {
		return fmt.Errorf("mockidp: no assertion to wrap")
	}
	forged := func() *etree.Element { // unsigned forged copy with a new ID
		c := withoutSignature(a)
		c.CreateAttr("ID", p.newID())
		p.forge(c, victim)
		return c
	}
	inPlace := func() (clean *etree.Element) { // forge the signed assertion itself
		clean = withoutSignature(a)
		a.CreateAttr("ID", p.newID())
		p.forge(a, victim)
		return clean
	}
	switch {
	case fs[FaultXSW1], fs[FaultXSW2]:
		clean := withoutSignature(resp)
		sig := child(resp, "Signature")
		resp.CreateAttr("ID", p.newID())
		p.forge(a, victim)
		if fs[FaultXSW1] {
			sig.AddChild(clean)
		} else {
			resp.InsertChildAt(childIndex(resp, sig), clean)
		}
	case fs[FaultXSW3]:
		resp.InsertChildAt(childIndex(resp, a), forged())
	case fs[FaultXSW4]:
		f := forged()
		resp.InsertChildAt(childIndex(resp, a), f)
		resp.RemoveChild(a)
		f.AddChild(a)
	case fs[FaultXSW5]:
		clean := inPlace()
		resp.AddChild(clean)
	case fs[FaultXSW6]:
		clean := inPlace()
		child(a, "Signature").AddChild(clean)
	case fs[FaultXSW7]:
		ext := etree.NewElement("samlp:Extensions")
		ext.AddChild(forged())
		resp.InsertChildAt(childIndex(resp, a), ext)
	case fs[FaultXSW8]:
		clean := inPlace()
		obj := etree.NewElement("ds:Object")
		obj.AddChild(clean)
		child(a, "Signature").AddChild(obj)
	case fs[FaultTwoAssertions]:
		resp.AddChild(forged())
	}
	return nil
}

// injectComment splits the NameID and email values "user@dom.evil.test"
// into "user@dom" <!----> ".evil.test". Exclusive c14n drops comments, so
// the signature stays valid; a parser that reads only the first text node
// sees "user@dom".
func injectComment(a *etree.Element, email string, inNameID bool) {
	split := func(el *etree.Element) {
		if el.Text() != email+".evil.test" {
			return
		}
		for len(el.Child) > 0 {
			el.RemoveChildAt(0)
		}
		el.CreateText(email)
		el.CreateComment("")
		el.CreateText(".evil.test")
	}
	if subj := child(a, "Subject"); subj != nil && inNameID {
		if n := child(subj, "NameID"); n != nil {
			split(n)
		}
	}
	for _, st := range a.SelectElements("AttributeStatement") {
		for _, at := range st.SelectElements("Attribute") {
			for _, v := range at.SelectElements("AttributeValue") {
				split(v)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
