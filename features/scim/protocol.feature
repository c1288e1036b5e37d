@rfc7644 @protocol
Feature: Answers follow the SCIM protocol's conventions
  Source: RFC 7644 §3.1 (the application/scim+json media type) and RFC 7643 §3.1 (common attributes: meta with
  resourceType, created, lastModified, location). Keeper's endpoint uses application/scim+json ("API
  Provisioning with SCIM", Header Authentication).

  @media-type
  Rule: Answers are application/scim+json
    Level: SHOULD, not MUST: RFC 7644 §8.1 registers application/scim+json; no sentence says a service provider MUST answer with it.

    @should
    Scenario Outline: The answer to <request> is application/scim+json
      Given the user "alice" exists
      When the identity provider <action>
      Then the answer has the media type "application/scim+json"

      Examples:
        | request     | action                                               |
        | a read      | reads the user "alice"                               |
        | a list      | lists users with the filter userName eq "{alice}"     |
        | an error    | reads an unknown user                                |

  @meta
  Rule: A resource carries meta with its type, times and location

    @should
    Example: A created user carries its meta data
      When the identity provider provisions the user "alice"
      Then the answer's meta.resourceType is "User"
      And the answer has meta.created
      And the answer has meta.lastModified

    @should
    Example: A change moves lastModified
      Given the user "alice" exists
      And a second has passed
      When the identity provider replaces the user "alice" with the display name "Alice Liddell"
      Then the user "alice" was last modified after it was created

    @should
    Example: meta.location reads the resource back
      Given the user "alice" exists
      When the identity provider follows the location of the user "alice"
      Then the answer is the user "alice"
