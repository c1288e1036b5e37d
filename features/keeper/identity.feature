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

  @remove-shows-identity
  Rule: A user's identity email stays its display name and email when a client removes them

    Keeper shows the email when no display name is given, and a Keeper user's email is its login: the
    reference treats a removed displayName or emails like one never sent (docs/reference-behaviour.md).

    @should @assumption
    Example: Removing the display name shows the email again
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "remove", "path": "displayName"}]
        """
      Then the request succeeds
      And the user "alice" has displayName "{alice}"

    @should @assumption
    Example: Removing the emails leaves the identity email
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "remove", "path": "emails"}]
        """
      Then the request succeeds
      And the user "alice" has emails.0.value "{alice}"
