@saml @needs-sp
Feature: The service provider checks every condition of an assertion
  A signed assertion is valid only for this service provider, this ACS, this request and this moment, and only
  once. Sources: SAML 2.0 Core §2.5 (Conditions, AudienceRestriction), §3.2.2 (Destination, InResponseTo, Status);
  Profiles §4.1.4.2-4.1.4.3 (bearer SubjectConfirmationData with Recipient and NotOnOrAfter, one-time use of
  assertions); Keeper SSO Connect Cloud (entity ID and ACS URL per SSO node). "alice" is a person the IdP knows.

  @saml-expiry
  Rule: An expired assertion is refused
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify that the NotOnOrAfter attribute in any bearer <SubjectConfirmationData> has not passed, subject to allowable clock skew between the providers"

    @must @saml2
    Example: The assertion ended an hour ago
      When "alice" signs in through the identity provider with the fault "expired"
      Then the sign-in is refused
      And no account exists for "alice"


  @saml-not-before
  Rule: An assertion not yet valid is refused
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify that any assertions relied upon are valid in other respects" (SAML core §2.5.1.2: NotBefore "Specifies the earliest time instant at which the assertion is valid.")

    @must @saml2
    Example: The assertion becomes valid in an hour
      When "alice" signs in through the identity provider with the fault "not-yet-valid"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-audience
  Rule: The assertion must be meant for this service provider
    Cites SAML profiles §4.1.4.2: "It MUST contain an <AudienceRestriction> including the service provider's unique identifier as an <Audience>." and SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify that any assertions relied upon are valid in other respects"

    @must @saml2
    Example: The audience is another service provider
      When "alice" signs in through the identity provider with the fault "wrong-audience"
      Then the sign-in is refused
      And no account exists for "alice"

    @must @saml2
    Example: An assertion without AudienceRestriction is refused
      When "alice" signs in through the identity provider with the fault "no-audience-restriction"
      Then the sign-in is refused
      And no account exists for "alice"

    @must @saml2
    Example: An assertion without Conditions, so without AudienceRestriction, is refused
      When "alice" signs in through the identity provider with the fault "no-conditions"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-recipient
  Rule: The response must be addressed to this node's ACS
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify that the Recipient attribute in any bearer <SubjectConfirmationData> matches the assertion consumer service URL to which the <Response> or artifact was delivered"

    @must @saml2
    Scenario Outline: A response with the <what> of another ACS is refused
      When "alice" signs in through the identity provider with the fault "<fault>"
      Then the sign-in is refused
      And no account exists for "alice"

      Examples:
        | what        | fault             |
        | recipient   | wrong-recipient   |
        | destination | wrong-destination |

    @must @saml2
    Example: A bearer confirmation without SubjectConfirmationData names no recipient and is refused
      When "alice" signs in through the identity provider with the fault "no-subject-confirmation-data"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-in-response-to
  Rule: A response to an SP-initiated login answers the request the service provider sent
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify that the InResponseTo attribute in the bearer <SubjectConfirmationData> equals the ID of its original <AuthnRequest> message, unless the response is unsolicited"

    @must @saml2
    Example: The InResponseTo names no request of this service provider
      When "alice" signs in at the service provider with the fault "wrong-in-response-to"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-replay
  Rule: An assertion is accepted once
    Cites SAML profiles §4.1.4.5: "The service provider MUST ensure that bearer assertions are not replayed, by maintaining the set of used ID values for the length of time for which the assertion would be considered valid based on the NotOnOrAfter attribute in the <SubjectConfirmationData>."

    @must @saml2
    Example: The same response is posted a second time
      Given "bob" has signed in through the identity provider
      When "bob" signs in through the identity provider with the fault "replay"
      Then the sign-in is refused

    @must @saml2
    Example: The same signed assertion comes back in a new response
      Given the node's signature policy is "either"
      And "bob" has signed in through the identity provider
      When "bob" signs in through the identity provider with the fault "replay-rewrapped"
      Then the sign-in is refused

  @saml-issuer
  Rule: The response comes from the node's IdP
    Cites SAML profiles §4.1.4.2: "The <Issuer> element MUST be present and MUST contain the unique identifier of the issuing identity provider"

    @must @saml2
    Example: The issuer is another IdP, signed with the trusted key
      When "alice" signs in through the identity provider with the fault "wrong-issuer"
      Then the sign-in is refused
      And no account exists for "alice"

    @should @saml2
    Example: Only the assertion's issuer is another IdP, signed with the trusted key
      When "alice" signs in through the identity provider with the fault "wrong-assertion-issuer"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-status
  Rule: Only a Success status signs in
    Level: SHOULD, not MUST: SAML core §3.2.2.2 defines Success; profiles §4.1.4.2 puts the MUST on the IdP ("it MUST NOT include any assertions"), not on the service provider.

    @should @saml2
    Example: The IdP answers with the Responder status
      When "alice" signs in through the identity provider with the fault "status-responder"
      Then the sign-in is refused
      And no account exists for "alice"

    @should @saml2
    Example: The IdP answers an SP-initiated login with the Responder status
      When "alice" signs in at the service provider with the fault "status-responder"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-relay-state
  Rule: RelayState never sends the browser to another site
    Level: SHOULD, not MUST: SAML bindings §3.5.3 fixes how RelayState travels, not where a service provider may redirect; the rule is web security practice.

    @should @saml2
    Example: An IdP-initiated login names an outside URL as RelayState
      When "alice" signs in through the identity provider with the RelayState "https://evil.test/landing"
      Then "alice" is signed in
      And the browser is not sent to "evil.test"

    @should @saml2
    Example: An IdP-initiated login names an outside host behind the service provider's address as user info
      When "alice" signs in through the identity provider with the RelayState "{sp origin}@evil.test/landing"
      Then "alice" is signed in
      And the browser is not sent to "evil.test"

    @should @saml2
    Scenario Outline: An IdP-initiated login hides an outside host behind <trick>
      When "alice" signs in through the identity provider with the percent-encoded RelayState "<relay state>"
      Then "alice" is signed in
      And the browser is not sent to "evil.test"

      Examples:
        | relay state       | trick                                      |
        | /%5Cevil.test     | a backslash, which browsers read as /      |
        | /%5C%09/evil.test | a backslash and a tab                      |
        | %09//evil.test    | a leading tab                              |

  @saml-relay-state-path
  Rule: A RelayState that starts like a path stays on this site, whatever characters browsers drop from it
    Browsers remove tabs and line breaks from a URL before reading it (WHATWG URL Standard, basic URL parser),
    so "/<tab>/evil.test" passes a check for one leading slash and is then read as "//evil.test".
    Level: SHOULD, not MUST: no SAML text says where a service provider may redirect; this is web security practice.

    @should @saml2
    Scenario Outline: An IdP-initiated login hides a second slash behind <trick>
      When "alice" signs in through the identity provider with the percent-encoded RelayState "<relay state>"
      Then "alice" is signed in
      And the browser is not sent to "evil.test"

      Examples:
        | relay state        | trick           |
        | /%09/evil.test     | a tab           |
        | /%09/%09/evil.test | two tabs        |

  @saml-idp-initiated-off
  Rule: A node that turned IdP-initiated login off accepts only answers to its own requests

    @should @saml2
    Example: An unsolicited response is refused
      Given IdP-initiated login is off
      When "alice" signs in through the identity provider
      Then the sign-in is refused
      And no account exists for "alice"
