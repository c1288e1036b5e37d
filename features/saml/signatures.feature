@saml @needs-sp
Feature: The service provider trusts only what the IdP signed
  A SAML response is proof only through an XML signature by the key in the IdP's metadata, over the very element
  the service provider reads. Sources: SAML 2.0 Core §5 and Profiles §4.1.3.5 (assertions must be signed, directly
  or through the Response); Keeper SSO Connect guides ("Keeper SSO Connect expects that the SAML response is
  signed"); Somorovsky et al., "On Breaking SAML" (USENIX Security 2012) and SAML Raider for signature wrapping;
  CVE-2022-41912 (several assertions); Duo Labs 2018 (CVE-2017-11427 and following: comments in NameID). Each
  scenario runs its own mock IdP and its own SSO node; "alice" is a person the IdP knows.

  @saml-signature-required
  Rule: A response with no signature is refused

    @must @saml2
    Example: The IdP sends an unsigned response
      When "alice" signs in through the identity provider with the fault "unsigned-response"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-sign-policy
  Rule: The node's signature policy decides which element must be signed

    @must @saml2
    Example: A node requiring signed assertions refuses a signed response around an unsigned assertion
      Given the node's signature policy is "both"
      When "alice" signs in through the identity provider with the fault "unsigned-assertion"
      Then the sign-in is refused
      And no account exists for "alice"

    @must @keeper
    Example: Keeper's default policy refuses an IdP that signs only the assertion
      Given the identity provider is the "entra" persona
      When "alice" signs in at the service provider
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-trusted-key
  Rule: Only the certificate of the IdP's metadata verifies a signature

    @must @saml2
    Example: A response signed by another key, its certificate in KeyInfo
      When "alice" signs in through the identity provider with the fault "untrusted-key"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-sha1
  Rule: A signature made with SHA-1 is refused, even by the trusted key
    XML Signature 1.1 §6.1 (SHA-1 "use is discouraged") and §6.4 (RSA-SHA1 kept for compatibility only); NIST SP
    800-131A Rev. 2 §9 disallows SHA-1 for generating digital signatures; SHA-1 collisions are practical (SHAttered,
    2017). A node may accept SHA-1 again for an old IdP (provkit's allow_sha1 setting).

    @should @saml2
    Example: The IdP signs with RSA-SHA1 and SHA-1 digests
      When "alice" signs in through the identity provider with the fault "sha1-signature"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-xsw
  Rule: The service provider reads only the element its signature covers

    @must @saml2
    Scenario Outline: Signature wrapping <attack> does not sign in the forged identity
      Given the node's signature policy is "<policy>"
      When "alice" signs in through the identity provider with the fault "<attack>"
      Then the sign-in is refused
      And no user exists for the identity forged from "alice"

      Examples:
        | attack | policy   |
        | xsw1   | response |
        | xsw2   | response |
        | xsw3   | either   |
        | xsw4   | either   |
        | xsw5   | either   |
        | xsw6   | either   |
        | xsw7   | either   |
        | xsw8   | either   |

  @saml-one-assertion
  Rule: A response carries exactly one assertion

    @must @saml2
    Example: A second, unsigned assertion for another person is appended
      Given the node's signature policy is "either"
      When "alice" signs in through the identity provider with the fault "two-assertions"
      Then the sign-in is refused
      And no user exists for the identity forged from "alice"

  @saml-comment-injection
  Rule: A comment inside the NameID never shortens the identity

    @must @saml2
    Example: The IdP signed alice's address with a suffix and a comment splits it
      When "alice" signs in through the identity provider with the fault "comment-nameid"
      Then the sign-in is refused
      And no user exists for the identity forged from "alice"
