@rfc7644 @errors
Feature: Errors are SCIM error bodies
  Source: RFC 7644 §3.12 (HTTP status and error response handling): the Error schema, status as a string equal
  to the HTTP status, and scimType for 400s. Keeper's clients read errors only by status (Commander scim push).

  @error-body
  Rule: An error answer is a SCIM Error with the status as a string
    Cites RFC 7644 §3.12: "status: The HTTP status code (see Section 6 of [RFC7231]) expressed as a JSON string. REQUIRED."

    @must
    Example: A 404 is a SCIM error
      When the identity provider reads an unknown user
      Then the answer is a SCIM error with status 404

  @invalid-syntax
  Rule: A body that is not the expected JSON is invalidSyntax
    Level: SHOULD, not MUST: RFC 7644 §3.12 makes scimType OPTIONAL ("scimType: A SCIM detail error keyword. See Table 9. OPTIONAL."), so a server that answers 400 without it is not at fault; invalidSyntax is what clients expect.

    @should
    Example: Malformed JSON is refused
      When the identity provider sends malformed JSON to provision a user
      Then the answer has status 400 and scimType "invalidSyntax"

    @should
    Example: A PATCH without Operations is refused
      Given the user "alice" exists
      When the identity provider sends a PATCH request without operations to the user "alice"
      Then the answer has status 400 and scimType "invalidSyntax"
