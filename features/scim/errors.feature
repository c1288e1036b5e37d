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
  Rule: A body that is not the expected JSON is refused with a SCIM error 400
    RFC 7644 §3.12: "implementers MUST return the errors in the body of the response", and 400 is for a request
    that "is unparsable, syntactically incorrect, or violates schema". scimType is OPTIONAL there; when one is
    given it is a Table 9 keyword for the method: invalidSyntax (POST, PUT) or invalidValue (POST, PUT, PATCH).

    @should
    Example: Malformed JSON is refused
      When the identity provider sends malformed JSON to provision a user
      Then the answer is a SCIM error with status 400 and, if it has a scimType, one of "invalidSyntax, invalidValue"

    @should
    Example: A PATCH without Operations is refused
      Given the user "alice" exists
      When the identity provider sends a PATCH request without operations to the user "alice"
      Then the answer is a SCIM error with status 400 and, if it has a scimType, one of "invalidValue, invalidSyntax"
