package sso

// Fault switches off one guard of the service provider. Faults exist only so
// the conformance suite can prove each SAML scenario fails against an SP that
// lacks the guard; no flag of `provkit serve` reaches them.
type Fault string

// SP guards that can be switched off (tests only).
const (
	FaultAcceptUnsigned     Fault = "sso-accept-unsigned"      // a Response with no valid signature at all is accepted
	FaultSignPolicyIgnored  Fault = "sso-sign-policy-ignored"  // the node's signature policy is not enforced
	FaultTrustKeyInfo       Fault = "sso-trust-keyinfo"        // the certificate in KeyInfo is trusted
	FaultReadUnverified     Fault = "sso-read-unverified"      // any valid signature anywhere; the first other assertion is read (XSW)
	FaultMultipleAssertions Fault = "sso-multiple-assertions"  // several assertions: the first one's signature is checked, the last one read (CVE-2022-41912)
	FaultNoExpiry           Fault = "sso-no-expiry"            // NotOnOrAfter is not checked
	FaultNoNotBefore        Fault = "sso-no-not-before"        // NotBefore is not checked
	FaultNoAudience         Fault = "sso-no-audience"          // AudienceRestriction is neither required nor checked
	FaultNoRecipient        Fault = "sso-no-recipient"         // Recipient and Destination are not checked
	FaultNoInResponseTo     Fault = "sso-no-in-response-to"    // InResponseTo is not checked
	FaultNoReplayCache      Fault = "sso-no-replay-cache"      // assertion IDs are not remembered
	FaultCommentTruncation  Fault = "sso-comment-truncation"   // NameID/attribute read up to the first comment
	FaultNoIssuerCheck      Fault = "sso-no-issuer-check"      // the Issuer is not compared with the IdP's entity ID
	FaultIgnoreStatus       Fault = "sso-ignore-status"        // a non-Success StatusCode is accepted
	FaultOpenRedirect       Fault = "sso-open-redirect"        // any RelayState URL is followed
	FaultLaxRedirect        Fault = "sso-lax-redirect"         // a string-prefix check: "/\t/evil.example" passes
	FaultAcceptSHA1         Fault = "sso-accept-sha1"          // SHA-1 signatures are accepted whatever the node says
	FaultIDPInitiatedAlways Fault = "sso-idp-initiated-always" // unsolicited responses are accepted even when disabled
	FaultCookieNoPath       Fault = "sso-cookie-no-path"       // the session cookie has no Path: it only reaches pages under the ACS
	// second wrong twins: the guard is there but checks too little
	FaultExpirySkewHours     Fault = "sso-expiry-skew-hours"      // NotOnOrAfter is checked with the 180 s skew read as 180 minutes
	FaultNotBeforeSkewHours  Fault = "sso-not-before-skew-hours"  // NotBefore is checked with the 180 s skew read as 180 minutes
	FaultAudienceOptional    Fault = "sso-audience-optional"      // the Audience is checked only when an AudienceRestriction is present (crewjam's default)
	FaultNoDestination       Fault = "sso-no-destination"         // the bearer Recipient is checked, the Response Destination is not
	FaultInResponseToAnyIDPI Fault = "sso-in-response-to-any-idp" // with IdP-initiated login on, an unknown InResponseTo passes as unsolicited (crewjam's AllowIDPInitiated)
	FaultPolicyResponseOnly  Fault = "sso-policy-response-only"   // the node's signature policy is read as "response" whatever it says
	FaultXSWDocumentOrder    Fault = "sso-xsw-document-order"     // some signature anywhere is verified, then the first Assertion in document order is read
	FaultIssuerResponseOnly  Fault = "sso-issuer-response-only"   // the Response's Issuer is compared with the IdP's entity ID, the Assertion's is not
	FaultReplayByResponseID  Fault = "sso-replay-by-response-id"  // the replay cache remembers Response IDs: the same assertion in a new Response passes
	FaultSHA1MethodOnly      Fault = "sso-sha1-method-only"       // SHA-1 is refused as the SignatureMethod, not as a DigestMethod
	FaultUnsignedIfSolicited Fault = "sso-unsigned-if-solicited"  // a response naming a request (InResponseTo) need not be signed
	FaultStatusSolicitedOnly Fault = "sso-status-solicited-only"  // the StatusCode is checked only on responses to a request, not on unsolicited ones
	FaultTrustSameSubject    Fault = "sso-trust-same-subject"     // the KeyInfo certificate is trusted when its subject name is a trusted certificate's
	FaultRelayOriginPrefix   Fault = "sso-relay-origin-prefix"    // an absolute RelayState passes when it starts with the SP's origin: http://sp@evil.test/ too
	FaultCommentNameIDOnly   Fault = "sso-comment-nameid-only"    // comments are refused in the NameID only; attribute values are read up to the first comment
)

func (sp *SP) fault(f Fault) bool { return sp.faults[f] }
