@keeper @identity
Feature: A user's identity is an email address
  Keeper user names are email addresses. Source: OneLogin page ("Keeper user name must be an email address"),
  Okta page ("username and email ... should always be the same"), Microsoft Learn Keeper provisioning tutorial,
  JumpCloud ("At the moment of provisioning the username and email should match").

  @email-identity
  Rule: A user whose userName is not an address and who has no email is refused
    Cites Keeper "API Provisioning with SCIM": "When a user is provisioned, Keeper requires either their username or email to contain a valid email address."

    @must
    Scenario Outline: A userName like "<userName>" without an email is refused
      When the identity provider provisions a user with the userName "<userName>" and no email
      Then the answer has status 400 and scimType "invalidValue"

      Examples:
        | userName              |
        | bjensen               |
        | bjensen@              |
        | b jensen@example.com  |
