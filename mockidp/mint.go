package mockidp

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// MintRequest asks for one Response.
type MintRequest struct {
	SP           string // SP entity ID ("" when exactly one SP is registered)
	ACS          string // ACS URL ("" for the SP's default HTTP-POST ACS)
	User         string // the user's email
	InResponseTo string // the AuthnRequest ID; "" for IdP-initiated
	RelayState   string
	ClientAddr   string // the browser's address; the port is dropped
	Faults       []Fault
}

// Minted is a Response ready to post.
type Minted struct {
	ACS        string
	RelayState string
	XML        []byte
	ID         string // Response ID
}

// SAMLResponse is the base64 form value.
func (m Minted) SAMLResponse() string { return base64.StdEncoding.EncodeToString(m.XML) }

// Mint builds, signs and (per the faults) breaks a Response.
func (p *IdP) Mint(req MintRequest) (Minted, error) {
	fs := map[Fault]bool{}
	for _, f := range req.Faults {
		if _, ok := faultCatalogue[f]; !ok {
			return Minted{}, fmt.Errorf("%w: %q", ErrUnknownFault, f)
		}
		fs[f] = true
	}
	ed, err := p.sp(req.SP)
	if err != nil {
		return Minted{}, err
	}
	if fs[FaultReplay] {
		p.mu.Lock()
		m, ok := p.last[lastKey(ed.EntityID, req.User)]
		p.mu.Unlock()
		if !ok {
			return Minted{}, fmt.Errorf("mockidp: replay: no earlier response for %s to %s", req.User, ed.EntityID)
		}
		return m, nil
	}
	if fs[FaultReplayRewrapped] {
		return p.rewrap(ed.EntityID, req)
	}
	acs, err := postACS(ed, req.ACS)
	if err != nil {
		return Minted{}, err
	}
	u, ok := p.users.Get(req.User)
	if !ok {
		return Minted{}, fmt.Errorf("%w: %q", ErrUnknownUser, req.User)
	}

	now := p.now().UTC()
	per := p.persona
	issueInstant, notBefore, notAfter := now, now.Add(-per.Skew), now.Add(per.Lifetime)
	switch {
	case fs[FaultExpired]:
		issueInstant, notBefore, notAfter = now.Add(-2*time.Hour), now.Add(-2*time.Hour-per.Skew), now.Add(-time.Hour)
	case fs[FaultNotYetValid]:
		issueInstant, notBefore, notAfter = now.Add(time.Hour), now.Add(time.Hour), now.Add(2*time.Hour)
	}
	audience, recipient, destination, inResponseTo, issuer := ed.EntityID, acs, acs, req.InResponseTo, p.entityID
	if fs[FaultWrongAudience] {
		audience = "https://sp.evil.test/saml/metadata"
	}
	if fs[FaultWrongRecipient] {
		recipient = "https://sp.evil.test/saml/acs"
	}
	if fs[FaultWrongDestination] {
		destination = "https://sp.evil.test/saml/acs"
	}
	if fs[FaultWrongInResponseTo] {
		inResponseTo = "_not-a-request-of-this-sp-" + p.newID()
	}
	if fs[FaultWrongIssuer] {
		issuer = "https://idp.evil.test/metadata"
	}
	respIssuer := issuer
	if fs[FaultAssertionIssuer] {
		issuer = "https://idp.evil.test/metadata"
	}
	nameID := u.Email
	if fs[FaultCommentNameID] || fs[FaultCommentAttribute] {
		nameID = u.Email + ".evil.test"
	}

	assertion := p.assertion(u, nameID, issuer, audience, recipient, inResponseTo, req.ClientAddr, issueInstant, notBefore, notAfter)
	switch {
	case fs[FaultNoAudience]:
		assertion.Conditions.AudienceRestrictions = nil
	case fs[FaultNoConditions]:
		assertion.Conditions = nil
	case fs[FaultNoSubjectConfData]:
		assertion.Subject.SubjectConfirmations[0].SubjectConfirmationData = nil
	}
	sign := per.Sign
	switch {
	case fs[FaultUnsignedResponse]:
		sign = SignNone
	case fs[FaultUnsignedAssertion]:
		sign = SignResponse
	case fs[FaultXSW1], fs[FaultXSW2]:
		sign = SignResponse // the attacks rewrap a signed Response
	case fs[FaultXSW3], fs[FaultXSW4], fs[FaultXSW5], fs[FaultXSW6], fs[FaultXSW7], fs[FaultXSW8], fs[FaultTwoAssertions]:
		sign = SignAssertion // the attacks rewrap a signed Assertion
	}
	signer := p.signer
	if fs[FaultUntrustedKey] {
		signer = p.rogueSigner
	}
	if fs[FaultSHA1] {
		signer = p.sha1Signer
	}
	if fs[FaultSHA1Digests] {
		signer = p.sha1DigestSigner
	}

	assertionEl := assertion.Element()
	typeAttributeValues(assertionEl)
	if sign == SignBoth || sign == SignAssertion {
		if assertionEl, err = signer(assertionEl); err != nil {
			return Minted{}, err
		}
	}
	status := saml.StatusSuccess
	if fs[FaultStatusResponder] {
		status = saml.StatusResponder
	}
	resp := &saml.Response{
		ID: p.newID(), InResponseTo: inResponseTo, Version: "2.0", IssueInstant: issueInstant, Destination: destination,
		Issuer: &saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: respIssuer},
		Status: saml.Status{StatusCode: saml.StatusCode{Value: status}},
	}
	respEl := resp.Element()
	respEl.AddChild(assertionEl)
	if sign == SignBoth || sign == SignResponse {
		if respEl, err = signer(respEl); err != nil {
			return Minted{}, err
		}
	}
	declareXS(respEl)
	if fs[FaultCommentNameID] || fs[FaultCommentAttribute] { // after signing: c14n drops comments, so both signatures hold
		injectComment(child(respEl, "Assertion"), u.Email, fs[FaultCommentNameID])
	}
	if err := p.wrap(fs, respEl, u); err != nil {
		return Minted{}, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(respEl)
	buf, err := doc.WriteToBytes()
	if err != nil {
		return Minted{}, err
	}
	m := Minted{ACS: acs, RelayState: req.RelayState, XML: buf, ID: resp.ID}
	p.mu.Lock()
	p.last[lastKey(ed.EntityID, u.Email)] = m
	p.mu.Unlock()
	p.log.Info("mockidp: response minted", "sp", ed.EntityID, "user", u.Email, "faults", req.Faults, "response_id", resp.ID)
	return m, nil
}

// Errors of Mint.
var (
	ErrUnknownUser  = errors.New("mockidp: unknown user")
	ErrUnknownFault = errors.New("mockidp: unknown fault")
)

func (p *IdP) assertion(u User, nameID, issuer, audience, recipient, inResponseTo, client string,
	issueInstant, notBefore, notAfter time.Time) *saml.Assertion {
	per := p.persona
	a := &saml.Assertion{
		ID: p.newID(), IssueInstant: issueInstant, Version: "2.0",
		Issuer: saml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: issuer},
		Subject: &saml.Subject{
			NameID: &saml.NameID{Format: per.NameIDFormat, Value: nameID},
			SubjectConfirmations: []saml.SubjectConfirmation{{
				Method: "urn:oasis:names:tc:SAML:2.0:cm:bearer",
				SubjectConfirmationData: &saml.SubjectConfirmationData{
					Address: hostOnly(client), InResponseTo: inResponseTo, NotOnOrAfter: notAfter, Recipient: recipient},
			}},
		},
		Conditions: &saml.Conditions{NotBefore: notBefore, NotOnOrAfter: notAfter,
			AudienceRestrictions: []saml.AudienceRestriction{{Audience: saml.Audience{Value: audience}}}},
		AuthnStatements: []saml.AuthnStatement{{
			AuthnInstant: issueInstant, SessionIndex: p.newID(),
			AuthnContext: saml.AuthnContext{AuthnContextClassRef: &saml.AuthnContextClassRef{
				Value: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}},
		}},
	}
	var attrs []saml.Attribute
	add := func(name, value string) {
		if name == "" || value == "" {
			return
		}
		attrs = append(attrs, saml.Attribute{Name: name, NameFormat: per.AttrFormat,
			Values: []saml.AttributeValue{{Value: value}}})
	}
	email := u.Email
	if nameID != u.Email { // comment fault: the attribute carries the same extended value
		email = nameID
	}
	add(per.Attrs.Email, email)
	add(per.Attrs.First, u.First)
	add(per.Attrs.Last, u.Last)
	for _, name := range sortedKeys(per.Extra) {
		switch per.Extra[name] {
		case "email":
			add(name, email)
		case "first":
			add(name, u.First)
		case "last":
			add(name, u.Last)
		}
	}
	for _, name := range sortedKeys(u.Attributes) {
		vals := make([]saml.AttributeValue, 0, len(u.Attributes[name]))
		for _, v := range u.Attributes[name] {
			vals = append(vals, saml.AttributeValue{Value: v})
		}
		attrs = append(attrs, saml.Attribute{Name: name, NameFormat: per.AttrFormat, Values: vals})
	}
	if len(attrs) > 0 {
		a.AttributeStatements = []saml.AttributeStatement{{Attributes: attrs}}
	}
	return a
}

// typeAttributeValues gives every AttributeValue xsi:type="xs:string" with
// the xs prefix declared: crewjam writes xsi:type="" when no type is set,
// which the SAML schema (xs:QName) refuses (python3-saml validates it).
func typeAttributeValues(a *etree.Element) {
	for _, v := range a.FindElements(".//AttributeValue") {
		v.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
		v.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
		v.CreateAttr("xsi:type", "xs:string")
	}
}

// declareXS declares the xs prefix that xsi:type="xs:string" names, after
// signing: exclusive c14n drops a declaration no element or attribute name
// uses (it cannot see QNames in values), both when signing and verifying, so
// adding it back leaves the signatures valid.
func declareXS(el *etree.Element) {
	for _, v := range el.FindElements("//AttributeValue") {
		if v.SelectAttr("xmlns:xs") == nil {
			v.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
		}
	}
}

// hostOnly drops the port of an address ("192.0.2.1:5555" -> "192.0.2.1"):
// strict SPs (pysaml2, SimpleSAMLphp) reject ip:port in Address.
func hostOnly(addr string) string {
	if addr == "" {
		return ""
	}
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	if net.ParseIP(addr) == nil {
		return ""
	}
	return addr
}

// signer signs el (enveloped, RSA-SHA256, exc-c14n) and places the
// Signature right after the Issuer, where the SAML schema wants it.
func (p *IdP) signer(el *etree.Element) (*etree.Element, error) {
	return signWith(p.key, p.cert, el, dsig.RSASHA256SignatureMethod)
}

// sha1Signer signs with the trusted key, but RSA-SHA1 and SHA-1 digests
// (crewjam's IdP default; FaultSHA1).
func (p *IdP) sha1Signer(el *etree.Element) (*etree.Element, error) {
	return signWith(p.key, p.cert, el, dsig.RSASHA1SignatureMethod)
}

// sha1DigestSigner signs with the trusted key and RSA-SHA256, but over
// SHA-1 digests (FaultSHA1Digests): a verifier that looks only at the
// SignatureMethod sees no SHA-1. goxmldsig takes one hash for both, so the
// element is signed with SHA-1 throughout, then the SignatureMethod is
// changed to RSA-SHA256 and the SignedInfo signed again.
func (p *IdP) sha1DigestSigner(el *etree.Element) (*etree.Element, error) {
	signed, err := signWith(p.key, p.cert, el, dsig.RSASHA1SignatureMethod)
	if err != nil {
		return nil, err
	}
	si := signed.FindElement("./Signature/SignedInfo")
	sm := signed.FindElement("./Signature/SignedInfo/SignatureMethod")
	sv := signed.FindElement("./Signature/SignatureValue")
	if si == nil || sm == nil || sv == nil {
		return nil, fmt.Errorf("mockidp: sign: no SignedInfo")
	}
	sm.CreateAttr("Algorithm", dsig.RSASHA256SignatureMethod)
	detached := si.Copy()
	detached.CreateAttr("xmlns:"+si.Space, dsig.Namespace)
	canonical, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(detached)
	if err != nil {
		return nil, fmt.Errorf("mockidp: sign: %w", err)
	}
	sum := sha256.Sum256(canonical)
	sig, err := rsa.SignPKCS1v15(p.rand, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return nil, fmt.Errorf("mockidp: sign: %w", err)
	}
	sv.SetText(base64.StdEncoding.EncodeToString(sig))
	return signed, nil
}

// rewrap puts the signed Assertion of the user's previous response to the SP
// into a new Response (new ID and IssueInstant, no signature of its own):
// what an attacker who captured one response can send (FaultReplayRewrapped).
func (p *IdP) rewrap(sp string, req MintRequest) (Minted, error) {
	p.mu.Lock()
	m, ok := p.last[lastKey(sp, req.User)]
	p.mu.Unlock()
	if !ok {
		return Minted{}, fmt.Errorf("mockidp: replay: no earlier response for %s to %s", req.User, sp)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(m.XML); err != nil {
		return Minted{}, fmt.Errorf("mockidp: replay: %w", err)
	}
	old := doc.Root()
	a := child(old, "Assertion")
	if a == nil {
		return Minted{}, fmt.Errorf("mockidp: replay: the earlier response has no Assertion")
	}
	resp := etree.NewElement(old.Tag)
	resp.Space = old.Space
	for _, at := range old.Attr {
		resp.CreateAttr(at.FullKey(), at.Value)
	}
	id := p.newID()
	resp.CreateAttr("ID", id)
	resp.CreateAttr("IssueInstant", p.now().UTC().Format(time.RFC3339Nano))
	for _, c := range old.ChildElements() {
		if c.Tag == "Signature" || c.Tag == "Assertion" {
			continue
		}
		resp.AddChild(c.Copy())
	}
	resp.AddChild(a.Copy())
	out := etree.NewDocument()
	out.SetRoot(resp)
	buf, err := out.WriteToBytes()
	if err != nil {
		return Minted{}, err
	}
	return Minted{ACS: m.ACS, RelayState: req.RelayState, XML: buf, ID: id}, nil
}

// rogueSigner signs with a key the SP does not trust, its certificate in
// KeyInfo. The certificate carries the trusted certificate's subject name:
// trusting a certificate by its name is as wrong as trusting KeyInfo.
func (p *IdP) rogueSigner(el *etree.Element) (*etree.Element, error) {
	p.rogueOnce.Do(func() {
		p.rogueKey, p.rogueCert, p.rogueErr = NewKeyPair(p.rand, p.cert.Subject.CommonName, p.now())
	})
	if p.rogueErr != nil {
		return nil, p.rogueErr
	}
	return signWith(p.rogueKey, p.rogueCert, el, dsig.RSASHA256SignatureMethod)
}

func signWith(key *rsa.PrivateKey, cert *x509.Certificate, el *etree.Element, method string) (*etree.Element, error) {
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{
		Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(method); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, fmt.Errorf("mockidp: sign: %w", err)
	}
	// SignEnveloped appends the Signature without setting its parent: remove it by index
	sig, ok := signed.RemoveChildAt(len(signed.Child) - 1).(*etree.Element)
	if !ok || sig.Tag != "Signature" {
		return nil, fmt.Errorf("mockidp: sign: no signature produced")
	}
	at := 0
	for i, c := range signed.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == "Issuer" {
			at = i + 1
			break
		}
	}
	signed.InsertChildAt(at, sig)
	return signed, nil
}

// lastKey keys the last response per SP and user: a replay sends the user's
// own previous response again, whatever other logins happened meanwhile.
func lastKey(sp, email string) string { return sp + "\x00" + key(email) }
