@rfc7644 @projection
Feature: attributes and excludedAttributes shape the answer
  Source: RFC 7644 §3.4.2.5 (attributes, excludedAttributes) and §3.9 (projection on create and modify);
  RFC 7643 §7 ("returned": "always" attributes such as id are returned whatever the projection).

  Background:
    Given the user "alice" exists

  @projection-attributes
  Rule: attributes returns only the attributes named

    @should
    Example: Asking for userName leaves the other attributes out
      When the identity provider reads the user "alice" asking for "attributes=userName"
      Then the answer's userName is "{alice}"
      And the answer has no displayName
      And the answer has no emails

    @should
    Example: Asking for a sub-attribute leaves its siblings out
      When the identity provider reads the user "alice" asking for "attributes=name.givenName"
      Then the answer's name.givenName is "Alice"
      And the answer has no name.familyName

    @should
    Example: A list can be projected
      When the identity provider lists the users of this scenario asking for "attributes=userName"
      Then no listed resource has displayName

    @should
    Example: The answer to a create can be projected
      When the identity provider provisions the user "bob" asking for "attributes=userName"
      Then the answer has no displayName

  @projection-excluded
  Rule: excludedAttributes leaves out the attributes named

    @should
    Example: Excluding emails keeps everything else
      When the identity provider reads the user "alice" asking for "excludedAttributes=emails"
      Then the answer has no emails
      And the answer's userName is "{alice}"

  @returned-always
  Rule: The id is returned whatever the projection
    Cites RFC 7643 §3.1: "Each representation of the resource MUST include a non-empty "id" value."

    @must
    Example: Asking only for displayName still returns the id
      When the identity provider reads the user "alice" asking for "attributes=displayName"
      Then the answer's id is "{alice.id}"

    @must
    Example: Excluding the id does not remove it
      When the identity provider reads the user "alice" asking for "excludedAttributes=id"
      Then the answer's id is "{alice.id}"
