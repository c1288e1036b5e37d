@saml @needs-sp
Feature: The service provider trusts only what the IdP signed
  A SAML response is proof only through an XML signature by the key in the IdP's metadata, over the very element
  the service provider reads. Sources: SAML 2.0 Core §5 and Profiles §4.1.3.5 (assertions must be signed, directly
  or through the Response); Keeper SSO Connect guides ("Keeper SSO Connect expects that the SAML response is
  signed"); Somorovsky et al., "On Breaking SAML" (USENIX Security 2012) and SAML Raider for signature wrapping;
  CVE-2022-41912 (several assertions); Duo Labs 2018 (CVE-2017-11427 and following: comments in NameID). Each
  scenario runs its own mock IdP and its own SSO node; "alice" is a person the IdP knows.
  An attack is judged by its outcome: the service provider may refuse the response, or sign in exactly the
  identity its valid signature covers; it fails when any other identity gets a session or an account. The forged
  parts are the same whatever the IdP persona signs, so every attack runs for every persona.

  @saml-signature-required
  Rule: A response with no valid signature signs nobody in
    Cites SAML profiles §4.1.4.5: "If the HTTP POST binding is used to deliver the <Response>, the enclosed assertion(s) MUST be signed."

    @must @saml2
    Example: The IdP sends an unsigned response
      When "alice" signs in through the identity provider with the fault "unsigned-response"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

    @must @saml2
    Example: The IdP answers an SP-initiated login with an unsigned response
      When "alice" signs in at the service provider with the fault "unsigned-response"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

  @saml-sign-policy
  Rule: The node's signature policy decides which element must be signed
    Cites SAML profiles §4.1.4.5: "If the HTTP POST binding is used to deliver the <Response>, the enclosed assertion(s) MUST be signed."

    @must @saml2
    Example: A node requiring signed assertions refuses a signed response around an unsigned assertion
      Given the node's signature policy is "both"
      When "alice" signs in through the identity provider with the fault "unsigned-assertion"
      Then the sign-in is refused
      And no account exists for "alice"

    @must @keeper
    Example: A node requiring a signed response (Keeper's default) refuses an IdP that signs only the assertion
      Given the identity provider is the "entra" persona
      And the node's signature policy is "response"
      When "alice" signs in at the service provider
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-trusted-key
  Rule: Only the certificate of the IdP's metadata verifies a signature
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify any signatures present on the assertion(s) or the response"

    @must @saml2
    Example: A response signed by another key, its certificate in KeyInfo under the trusted certificate's name
      When "alice" signs in through the identity provider with the fault "untrusted-key"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

  @saml-sha1
  Rule: A signature made with SHA-1 is refused, even by the trusted key
    XML Signature 1.1 §6.1 (SHA-1 "use is discouraged") and §6.4 (RSA-SHA1 kept for compatibility only); NIST SP
    800-131A Rev. 2 §9 disallows SHA-1 for generating digital signatures; SHA-1 collisions are practical (SHAttered,
    2017). A node may accept SHA-1 again for an old IdP (provkit's allow_sha1 setting).
    Judged only on a service provider the admin API configures (the reference's documented choice): SAML 2.0 and
    XML Signature 1.1 still let a verifier accept RSA-SHA1, so an independent SP that does is not at fault.

    @should @saml2 @needs-admin @assumption
    Example: The IdP signs with RSA-SHA1 and SHA-1 digests
      When "alice" signs in through the identity provider with the fault "sha1-signature"
      Then the sign-in is refused
      And no account exists for "alice"

    @should @saml2 @needs-admin @assumption
    Example: The IdP signs with RSA-SHA256 over SHA-1 digests
      When "alice" signs in through the identity provider with the fault "sha1-digests"
      Then the sign-in is refused
      And no account exists for "alice"

  @saml-xsw
  Rule: The service provider reads only the element its signature covers
    Cites SAML core §5.4.2: "Signatures MUST contain a single <ds:Reference> containing a same-document reference to the ID attribute value of the root element of the assertion or protocol message being signed."

    @must @saml2
    Scenario Outline: Signature wrapping <attack> does not sign in the forged identity
      Given the node's signature policy is "<policy>"
      When "alice" signs in through the identity provider with the fault "<attack>"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

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
  Rule: An assertion no signature covers never signs anyone in, whatever else the response carries
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify any signatures present on the assertion(s) or the response"

    @must @saml2
    Example: A second, unsigned assertion for another person follows the signed one
      Given the node's signature policy is "either"
      When "alice" signs in through the identity provider with the fault "two-assertions"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

  @saml-comment-injection
  Rule: A comment inside the NameID or an attribute never shortens the identity
    Cites SAML profiles §4.1.4.3: "Regardless of the SAML binding used, the service provider MUST do the following: [...] Verify any signatures present on the assertion(s) or the response" (the signed NameID is its whole text: XML C14N drops comments, not the text after them)

    @must @saml2
    Example: The IdP signed alice's address with a suffix and a comment splits it
      When "alice" signs in through the identity provider with the fault "comment-nameid"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign

    @must @saml2
    Example: The IdP signed alice's address with a suffix and a comment splits the email attribute only
      When "alice" signs in through the identity provider with the fault "comment-attribute"
      Then nobody but the identity the IdP signed is signed in
      And no account exists for an identity the IdP did not sign
