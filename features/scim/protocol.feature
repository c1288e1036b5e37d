@rfc7644 @protocol
Feature: Answers follow the SCIM protocol's conventions
  Source: RFC 7644 §3.1 (the application/scim+json media type), RFC 7643 §3.1 (common attributes: meta with
  resourceType, created, lastModified, location), RFC 7644 §3.11 (the /Me alias) and RFC 7231 §6.5.5 (405 and
  Allow), which RFC 7644 §3.1 builds on. Keeper's endpoint uses application/scim+json ("API
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

  @method-not-allowed
  Rule: A 405 answer names the methods the resource allows (RFC 7231 §6.5.5: "MUST generate an Allow header")
    Cites RFC 7231 §6.5.5: "The origin server MUST generate an Allow header field in a 405 response containing a list of the target resource's currently supported methods."

    @must
    Scenario Outline: A <method> request to <target> that is refused with 405 lists what is allowed
      When the identity provider sends a <method> request to <target>
      Then the refusal names the allowed methods <allowed>

      Examples:
        | method | target                    | allowed                  |
        | DELETE | the Users collection      | "GET" and "POST"         |
        | PUT    | the Groups collection     | "GET" and "POST"         |
        | POST   | the user "alice"          | "GET", "PUT" and "DELETE" |
        | DELETE | the ServiceProviderConfig | "GET"                    |

  @me-not-implemented
  Rule: A server without the /Me alias answers 501 Not Implemented (RFC 7644 §3.11: SHOULD)

    @should
    Example: An identity provider's token names no user, so /Me is not implemented
      When the identity provider reads its own resource at /Me
      Then the answer is the authenticated subject's resource or 501 Not Implemented
