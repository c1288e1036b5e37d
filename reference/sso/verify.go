package sso

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	dsig "github.com/russellhaering/goxmldsig"
	dsigtypes "github.com/russellhaering/goxmldsig/types"
)

// MaxClockSkew is the leeway on NotBefore / NotOnOrAfter.
const MaxClockSkew = 3 * time.Minute

// skew is MaxClockSkew, or 180 minutes when the given skew fault is on.
func (sp *SP) skew(f Fault) time.Duration {
	if sp.fault(f) {
		return 3 * time.Hour
	}
	return MaxClockSkew
}

// maxResponse caps a decoded SAMLResponse.
const maxResponse = 512 << 10

// reject is a verification failure: the reason goes to the log, never to the client.
type reject struct{ reason string }

func (r *reject) Error() string { return "saml response rejected: " + r.reason }

func rejectf(format string, args ...any) error { return &reject{reason: fmt.Sprintf(format, args...)} }

// IsRejection reports whether err is a refused SAML response (as opposed to an internal error).
func IsRejection(err error) bool {
	var r *reject
	return errors.As(err, &r)
}

// idpInfo is what the SP knows about a node's IdP from its metadata.
type idpInfo struct {
	entityID string
	ssoURL   string // HTTP-Redirect SSO endpoint
	certs    []*x509.Certificate
}

// ParseIDPMetadata reads an IdP's metadata: entity ID, signing certificates
// and SSO endpoint. It is the admin API's check of uploaded metadata.
func ParseIDPMetadata(md string) (*saml.EntityDescriptor, error) {
	_, ed, err := parseIDP(md)
	return ed, err
}

func parseIDP(md string) (idpInfo, *saml.EntityDescriptor, error) {
	var info idpInfo
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal([]byte(md), &ed); err != nil {
		return info, nil, fmt.Errorf("IdP metadata: %w", err)
	}
	if ed.EntityID == "" || len(ed.IDPSSODescriptors) == 0 {
		return info, nil, errors.New("IdP metadata: no entityID or IDPSSODescriptor")
	}
	info.entityID = ed.EntityID
	for _, d := range ed.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, c := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
				if err != nil {
					return info, nil, fmt.Errorf("IdP metadata: certificate: %w", err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return info, nil, fmt.Errorf("IdP metadata: certificate: %w", err)
				}
				info.certs = append(info.certs, cert)
			}
		}
		for _, s := range d.SingleSignOnServices {
			if s.Binding == saml.HTTPRedirectBinding && info.ssoURL == "" {
				info.ssoURL = s.Location
			}
		}
	}
	if len(info.certs) == 0 {
		return info, nil, errors.New("IdP metadata: no signing certificate")
	}
	if info.ssoURL == "" {
		return info, nil, errors.New("IdP metadata: no HTTP-Redirect SingleSignOnService")
	}
	return info, &ed, nil
}

// checkParams are what a response is checked against.
type checkParams struct {
	idp         idpInfo
	entityID    string // the SP's entity ID (the audience)
	acsURL      string
	policy      string // directory.SignPolicy
	attrEmail   string
	attrFirst   string
	attrLast    string
	now         time.Time
	allowIDPIni bool
	allowSHA1   bool // the node accepts SHA-1 signatures
	// takeRequest consumes a pending AuthnRequest ID of this node; false if unknown or used.
	takeRequest func(id string) bool
}

// verified is what a response proved.
type verified struct {
	assertionID  string
	responseID   string
	email        string
	first, last  string
	nameID       string
	expires      time.Time
	inResponseTo string
}

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
)

func isTag(el *etree.Element, ns, tag string) bool {
	return el != nil && el.Tag == tag && el.NamespaceURI() == ns
}

func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if isTag(c, ns, tag) {
			out = append(out, c)
		}
	}
	return out
}

func first(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	cs := children(el, ns, tag)
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

// verify checks a base64 SAMLResponse and returns what it proves. Every
// value is read from the element the signature verification returned.
func (sp *SP) verify(b64 string, p checkParams) (verified, error) {
	var v verified
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return v, rejectf("SAMLResponse is not base64")
	}
	if len(raw) > maxResponse {
		return v, rejectf("SAMLResponse too large")
	}
	if bytes.Contains(raw, []byte("<!DOCTYPE")) || bytes.Contains(raw, []byte("<!ENTITY")) {
		return v, rejectf("DTD in response")
	}
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return v, rejectf("XML round-trip: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return v, rejectf("XML: %v", err)
	}
	root := doc.Root()
	if !isTag(root, nsProtocol, "Response") {
		return v, rejectf("root is not a samlp:Response")
	}
	if first(root, nsAssertion, "EncryptedAssertion") != nil {
		return v, rejectf("encrypted assertions are not supported (the SP publishes no encryption key)")
	}

	// A SAML response has no business carrying comments: one inside a NameID
	// is the Duo-2018 truncation attack. A response holding more than one
	// Assertion anywhere (XSW, CVE-2022-41912) is refused before any is read.
	comments := hasComment(root)
	nameIDOnly := sp.fault(FaultCommentNameIDOnly)
	if comments && !sp.fault(FaultCommentTruncation) && (!nameIDOnly || nameIDComment(root)) {
		return v, rejectf("comment in response")
	}
	if n := len(root.FindElements("//Assertion")); n > 1 && !sp.fault(FaultMultipleAssertions) && !sp.fault(FaultReadUnverified) && !sp.fault(FaultXSWDocumentOrder) {
		return v, rejectf("%d Assertion elements in the response", n)
	}
	origAssertion := first(root, nsAssertion, "Assertion")

	var resp, assertion *etree.Element
	var respSigned, asSigned bool
	if sp.fault(FaultReadUnverified) || sp.fault(FaultXSWDocumentOrder) {
		resp, assertion, respSigned, asSigned = sp.naiveSelect(root, p)
		if a := root.FindElement("//Assertion"); a != nil && sp.fault(FaultXSWDocumentOrder) {
			assertion = a
		}
	} else {
		resp = root
		if first(root, nsDSig, "Signature") != nil {
			if resp, err = sp.validate(root, p); err != nil {
				return v, rejectf("response signature: %v", err)
			}
			respSigned = true
		}
		as := children(resp, nsAssertion, "Assertion")
		if len(as) == 0 {
			return v, rejectf("no assertion")
		}
		if len(as) > 1 && !sp.fault(FaultMultipleAssertions) {
			return v, rejectf("%d assertions in one response", len(as))
		}
		assertion = as[0]
		if first(assertion, nsDSig, "Signature") != nil {
			va, err := sp.validate(assertion, p)
			if err != nil && !sp.fault(FaultMultipleAssertions) {
				return v, rejectf("assertion signature: %v", err)
			}
			if err == nil {
				assertion, asSigned = va, true
			}
		}
		if sp.fault(FaultMultipleAssertions) && len(as) > 1 { // CVE-2022-41912: the first one's signature is checked, the last one read
			assertion = as[len(as)-1]
		}
	}
	acceptUnsigned := sp.fault(FaultAcceptUnsigned) ||
		(sp.fault(FaultUnsignedIfSolicited) && !respSigned && !asSigned && resp.SelectAttrValue("InResponseTo", "") != "")
	if !respSigned && !asSigned && !acceptUnsigned {
		return v, rejectf("neither the response nor the assertion is signed")
	}
	if !sp.fault(FaultSignPolicyIgnored) && !acceptUnsigned {
		ok, policy := true, p.policy
		if sp.fault(FaultPolicyResponseOnly) {
			policy = "response"
		}
		switch policy {
		case "response":
			ok = respSigned
		case "assertion":
			ok = asSigned
		case "both":
			ok = respSigned && asSigned
		}
		if !ok {
			return v, rejectf("signature policy %q not met (response signed %v, assertion signed %v)", p.policy, respSigned, asSigned)
		}
	}

	// ---- Response ----
	checkStatus := !sp.fault(FaultIgnoreStatus) && (!sp.fault(FaultStatusSolicitedOnly) || resp.SelectAttrValue("InResponseTo", "") != "")
	if st := first(first(resp, nsProtocol, "Status"), nsProtocol, "StatusCode"); checkStatus &&
		(st == nil || st.SelectAttrValue("Value", "") != saml.StatusSuccess) {
		return v, rejectf("status is not Success")
	}
	if iss := first(resp, nsAssertion, "Issuer"); iss != nil && strings.TrimSpace(iss.Text()) != p.idp.entityID && !sp.fault(FaultNoIssuerCheck) {
		return v, rejectf("response issuer %q is not the IdP", iss.Text())
	}
	if dest := resp.SelectAttrValue("Destination", ""); (dest != "" || respSigned) && dest != p.acsURL && !sp.fault(FaultNoRecipient) && !sp.fault(FaultNoDestination) {
		return v, rejectf("destination %q is not the ACS", dest)
	}
	inResponseTo := resp.SelectAttrValue("InResponseTo", "")
	v.responseID = resp.SelectAttrValue("ID", "")

	// ---- Assertion ----
	if iss := first(assertion, nsAssertion, "Issuer"); (iss == nil || strings.TrimSpace(iss.Text()) != p.idp.entityID) &&
		!sp.fault(FaultNoIssuerCheck) && !sp.fault(FaultIssuerResponseOnly) {
		return v, rejectf("assertion issuer is not the IdP")
	}
	v.assertionID = assertion.SelectAttrValue("ID", "")
	if v.assertionID == "" {
		return v, rejectf("assertion has no ID")
	}
	subj := first(assertion, nsAssertion, "Subject")
	nameIDEl := first(subj, nsAssertion, "NameID")
	if nameIDEl == nil {
		return v, rejectf("no Subject/NameID")
	}
	if v.nameID, err = sp.text(nameIDEl); err != nil {
		return v, err
	}
	var bearer *etree.Element
	for _, sc := range children(subj, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") == "urn:oasis:names:tc:SAML:2.0:cm:bearer" {
			bearer = first(sc, nsAssertion, "SubjectConfirmationData")
			break
		}
	}
	// Bearer assertions need SubjectConfirmationData with Recipient and
	// NotOnOrAfter (Profiles §4.1.4.2); crewjam's SP panics without it.
	var scdNotAfter time.Time
	switch {
	case bearer == nil && !sp.fault(FaultNoRecipient):
		return v, rejectf("no bearer SubjectConfirmationData")
	case bearer != nil:
		if r := bearer.SelectAttrValue("Recipient", ""); r != p.acsURL && !sp.fault(FaultNoRecipient) {
			return v, rejectf("recipient %q is not the ACS", r)
		}
		if scdNotAfter, err = timeAttr(bearer, "NotOnOrAfter", true); err != nil {
			return v, err
		}
		if !p.now.Before(scdNotAfter.Add(sp.skew(FaultExpirySkewHours))) && !sp.fault(FaultNoExpiry) {
			return v, rejectf("subject confirmation expired at %s", scdNotAfter)
		}
		if scdIRT := bearer.SelectAttrValue("InResponseTo", ""); scdIRT != inResponseTo && !sp.fault(FaultNoInResponseTo) {
			return v, rejectf("InResponseTo of response and subject confirmation differ")
		}
	}

	// Conditions are required: a bearer assertion must carry an
	// AudienceRestriction (Profiles §4.1.4.2); crewjam's SP panics without them.
	cond := first(assertion, nsAssertion, "Conditions")
	if cond == nil && !sp.fault(FaultNoAudience) && !sp.fault(FaultAudienceOptional) {
		return v, rejectf("no Conditions")
	}
	noConditions := cond == nil // only with FaultNoAudience or FaultAudienceOptional: nothing to check
	if noConditions {
		cond = etree.NewElement("Conditions")
	}
	nb, err := timeAttr(cond, "NotBefore", false)
	if err != nil {
		return v, err
	}
	if !nb.IsZero() && p.now.Add(sp.skew(FaultNotBeforeSkewHours)).Before(nb) && !sp.fault(FaultNoNotBefore) {
		return v, rejectf("assertion not valid before %s", nb)
	}
	na, err := timeAttr(cond, "NotOnOrAfter", !sp.fault(FaultNoExpiry) && !noConditions)
	if err != nil {
		return v, err
	}
	if !noConditions && !p.now.Before(na.Add(sp.skew(FaultExpirySkewHours))) && !sp.fault(FaultNoExpiry) {
		return v, rejectf("assertion expired at %s", na)
	}
	if !sp.fault(FaultNoAudience) && !noConditions {
		ars := children(cond, nsAssertion, "AudienceRestriction")
		if len(ars) == 0 && !sp.fault(FaultAudienceOptional) {
			return v, rejectf("no AudienceRestriction")
		}
		for _, ar := range ars { // each restriction must name us
			found := false
			for _, a := range children(ar, nsAssertion, "Audience") {
				found = found || strings.TrimSpace(a.Text()) == p.entityID
			}
			if !found {
				return v, rejectf("audience is not this SP")
			}
		}
	}
	v.expires = na
	if scdNotAfter.After(na) {
		v.expires = scdNotAfter
	}
	if v.expires.IsZero() { // only with guards off: remember it for a day
		v.expires = p.now.Add(24 * time.Hour)
	}
	v.expires = v.expires.Add(MaxClockSkew)

	// ---- InResponseTo: solicited responses must answer a pending request ----
	v.inResponseTo = inResponseTo
	if !sp.fault(FaultNoInResponseTo) {
		if inResponseTo != "" {
			if (p.takeRequest == nil || !p.takeRequest(inResponseTo)) && !(sp.fault(FaultInResponseToAnyIDPI) && p.allowIDPIni) {
				return v, rejectf("InResponseTo names no pending request of this SP")
			}
		} else if !p.allowIDPIni && !sp.fault(FaultIDPInitiatedAlways) {
			return v, rejectf("unsolicited response and IdP-initiated login is off")
		}
	}

	// ---- attributes ----
	attrs := map[string][]string{}
	for _, st := range children(assertion, nsAssertion, "AttributeStatement") {
		for _, at := range children(st, nsAssertion, "Attribute") {
			name := at.SelectAttrValue("Name", "")
			for _, val := range children(at, nsAssertion, "AttributeValue") {
				s, err := sp.text(val)
				if err != nil {
					return v, err
				}
				attrs[name] = append(attrs[name], s)
			}
		}
	}
	single := func(name string) (string, error) {
		vals := attrs[name]
		if len(vals) == 0 {
			return "", nil
		}
		for _, x := range vals[1:] {
			if x != vals[0] {
				return "", rejectf("attribute %s has several values", name)
			}
		}
		return vals[0], nil
	}
	if v.email, err = single(p.attrEmail); err != nil {
		return v, err
	}
	if v.email == "" && strings.Contains(v.nameID, "@") {
		switch nameIDEl.SelectAttrValue("Format", "") {
		case "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "":
			v.email = v.nameID
		}
	}
	if v.email == "" {
		return v, rejectf("no email attribute and no email NameID")
	}
	if comments && origAssertion != nil { // FaultCommentTruncation: read up to the first comment
		if n := origAssertion.FindElement("./Subject/NameID"); n != nil {
			v.nameID = firstText(n)
		}
		for _, at := range origAssertion.FindElements("./AttributeStatement/Attribute") {
			if at.SelectAttrValue("Name", "") == p.attrEmail {
				if av := at.FindElement("./AttributeValue"); av != nil {
					v.email = firstText(av)
				}
			}
		}
	}
	if v.first, err = single(p.attrFirst); err != nil {
		return v, err
	}
	if v.last, err = single(p.attrLast); err != nil {
		return v, err
	}
	return v, nil
}

// text reads an element's text, refusing comments inside it (comment
// injection: "alice@acme.example<!---->.evil.test").
func (sp *SP) text(el *etree.Element) (string, error) {
	var b strings.Builder
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.CharData:
			b.WriteString(c.Data)
		case *etree.Comment:
			if sp.fault(FaultCommentTruncation) || (sp.fault(FaultCommentNameIDOnly) && el.Tag != "NameID") {
				return strings.TrimSpace(b.String()), nil
			}
			return "", rejectf("comment inside %s", el.Tag)
		case *etree.Element:
			return "", rejectf("element inside %s", el.Tag)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// nameIDComment reports whether a NameID of the response holds a comment
// (FaultCommentNameIDOnly's check).
func nameIDComment(root *etree.Element) bool {
	for _, n := range root.FindElements("//NameID") {
		if hasComment(n) {
			return true
		}
	}
	return false
}

func hasComment(el *etree.Element) bool {
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.Comment:
			return true
		case *etree.Element:
			if hasComment(c) {
				return true
			}
		}
	}
	return false
}

func firstText(el *etree.Element) string {
	for _, t := range el.Child {
		if c, ok := t.(*etree.CharData); ok {
			return strings.TrimSpace(c.Data)
		}
	}
	return ""
}

func timeAttr(el *etree.Element, name string, required bool) (time.Time, error) {
	s := el.SelectAttrValue(name, "")
	if s == "" {
		if required {
			return time.Time{}, rejectf("%s has no %s", el.Tag, name)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, rejectf("%s/@%s is not a time", el.Tag, name)
	}
	return t, nil
}

// validate verifies el's enveloped signature with the IdP's certificates
// and returns the verified element (goxmldsig requires the Reference to be
// el's own ID and allows only enveloped + exc-c14n transforms).
func (sp *SP) validate(el *etree.Element, p checkParams) (*etree.Element, error) {
	roots := p.idp.certs
	if sp.fault(FaultTrustKeyInfo) {
		if c := keyInfoCert(el); c != nil {
			roots = append([]*x509.Certificate{c}, roots...)
		}
	}
	if sp.fault(FaultTrustSameSubject) {
		if c := keyInfoCert(el); c != nil && slices.ContainsFunc(roots, func(r *x509.Certificate) bool { return bytes.Equal(r.RawSubject, c.RawSubject) }) {
			roots = append([]*x509.Certificate{c}, roots...)
		}
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: roots})
	ctx.Clock = dsig.NewFakeClockAt(p.now)
	verified, err := ctx.Validate(el)
	if err != nil {
		return nil, err
	}
	if !p.allowSHA1 && !sp.fault(FaultAcceptSHA1) {
		if alg := sha1Algorithm(el, !sp.fault(FaultSHA1MethodOnly)); alg != "" {
			return nil, fmt.Errorf("signed with %s: SHA-1 is refused unless the node allows it", alg)
		}
	}
	return verified, nil
}

// sha1Algorithms are the XML Signature algorithms built on SHA-1 (XML
// Signature 1.1 §6.1-6.4; RFC 6931 §2.3 for ECDSA).
var sha1Algorithms = map[string]bool{
	"http://www.w3.org/2000/09/xmldsig#sha1":            true,
	"http://www.w3.org/2000/09/xmldsig#rsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#dsa-sha1":        true,
	"http://www.w3.org/2000/09/xmldsig#hmac-sha1":       true,
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": true,
}

// sha1Algorithm returns the first SHA-1 algorithm that a signature of el
// (a ds:Signature child) names as its SignatureMethod or (digests) a
// DigestMethod, "" when none does.
func sha1Algorithm(el *etree.Element, digests bool) string {
	for _, sig := range children(el, nsDSig, "Signature") {
		for _, si := range children(sig, nsDSig, "SignedInfo") {
			for _, m := range children(si, nsDSig, "SignatureMethod") {
				if a := m.SelectAttrValue("Algorithm", ""); sha1Algorithms[a] {
					return a
				}
			}
			for _, ref := range children(si, nsDSig, "Reference") {
				if !digests {
					break
				}
				for _, m := range children(ref, nsDSig, "DigestMethod") {
					if a := m.SelectAttrValue("Algorithm", ""); sha1Algorithms[a] {
						return a
					}
				}
			}
		}
	}
	return ""
}

func keyInfoCert(el *etree.Element) *x509.Certificate {
	sig := first(el, nsDSig, "Signature")
	if sig == nil {
		return nil
	}
	c := sig.FindElement(".//X509Certificate")
	if c == nil {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Text()), ""))
	if err != nil {
		return nil
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// naiveSelect is FaultReadUnverified: the signature-wrapping-prone SP. It
// accepts any signature anywhere that verifies over the element its
// Reference names, wherever that element is, and then reads the first
// assertion that is not that element (or inside it).
func (sp *SP) naiveSelect(root *etree.Element, p checkParams) (resp, assertion *etree.Element, respSigned, asSigned bool) {
	resp = root
	var signedEl *etree.Element
	for _, sig := range root.FindElements("//Signature") {
		var s dsigtypes.Signature
		if err := etreeUnmarshal(sig, &s); err != nil || s.SignedInfo == nil || len(s.SignedInfo.References) == 0 {
			continue
		}
		ref := strings.TrimPrefix(s.SignedInfo.References[0].URI, "#")
		if ref == "" || strings.ContainsAny(ref, "'[]") {
			continue
		}
		target := root.FindElement(fmt.Sprintf("//*[@ID='%s']", ref))
		if root.SelectAttrValue("ID", "") == ref {
			target = root
		}
		if target == nil {
			continue
		}
		clone := target.Copy()
		if first(clone, nsDSig, "Signature") == nil {
			clone.AddChild(sig.Copy())
		}
		if _, err := sp.validate(clone, p); err != nil {
			continue
		}
		signedEl = target
		if target.Tag == "Response" {
			respSigned = true
		} else {
			asSigned = true
		}
		break
	}
	var pick func(el *etree.Element) *etree.Element
	pick = func(el *etree.Element) *etree.Element {
		for _, c := range el.ChildElements() {
			if c == signedEl {
				continue
			}
			if c.Tag == "Assertion" {
				return c
			}
			if a := pick(c); a != nil {
				return a
			}
		}
		return nil
	}
	assertion = pick(root)
	if assertion == nil && signedEl != nil {
		assertion = signedEl
		if signedEl.Tag == "Response" {
			assertion = first(signedEl, nsAssertion, "Assertion")
		}
	}
	if assertion == nil {
		assertion = etree.NewElement("Assertion")
	}
	return resp, assertion, respSigned, asSigned
}

func etreeUnmarshal(el *etree.Element, v any) error {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	buf, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	return xml.Unmarshal(buf, v)
}
