@saml @needs-sp
Feature: Identity providers sign people in to an SSO node
  Keeper supports "both IdP-initiated login flows and SP-initiated flows" (Keeper Enterprise guide, SSO JIT page);
  the service provider of a node lives at Keeper's URL shapes (entity /api/rest/sso/saml/{id}, ACS
  /api/rest/sso/saml/sso/{id}, login /api/rest/sso/saml/login/{id}) and takes the attributes Email, First and Last.
  The personas shape responses as each IdP documents (mockidp/personas.go); Entra ID and OneLogin sign only the
  assertion, so their nodes accept either signature.

  @saml-sign-in
  Rule: A valid response signs the person in
    Cites Keeper "SSO JIT (Just-in-Time) Provisioning": "Keeper supports both IdP-initiated login flows and SP-initiated flows."

    @must @keeper
    Scenario Outline: An SP-initiated login through <persona>
      Given the identity provider is the "<persona>" persona
      And the node's signature policy is "<policy>"
      When "alice" signs in at the service provider
      Then "alice" is signed in

      Examples:
        | persona   | policy   |
        | generic   | response |
        | jumpcloud | response |
        | cloudgate | response |
        | okta      | response |
        | google    | response |
        | entra     | either   |
        | onelogin  | either   |

    @must @keeper
    Example: An IdP-initiated login from the IdP's dashboard
      When "alice" signs in through the identity provider
      Then "alice" is signed in
