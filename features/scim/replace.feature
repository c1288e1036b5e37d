@rfc7644 @replace
Feature: PUT replaces a resource
  Source: RFC 7644 §3.5.1 (replacing with PUT). Keeper's endpoint takes PUT on users ("Updating User Attributes -
  Users/PUT"); NetIQ's Keeper driver modifies users with PUT and Okta's custom apps replace groups with PUT.

  @put-replaces
  Rule: The values sent replace the stored ones
    Cites RFC 7644 §3.5.1: "readWrite, writeOnly: Any values provided SHALL replace the existing attribute values."

    @must
    Example: Replacing a user changes its display name
      Given the user "alice" exists
      When the identity provider replaces the user "alice" with the display name "Alice Liddell"
      Then the user "alice" has displayName "Alice Liddell"

    @must
    Example: The answer to a PUT is the replaced user
      Given the user "alice" exists
      When the identity provider replaces the user "alice" with the display name "Alice Liddell"
      Then the answer's displayName is "Alice Liddell"

    @must
    Example: Replacing a group changes its display name
      Given the group "ops" exists
      When the identity provider replaces the group "ops" with the display name "{scope} Operations"
      Then the group "ops" has displayName "{scope} Operations"

    @must
    Example: Replacing a group's members sets exactly the new list
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When the identity provider replaces the members of the group "ops" with "bob"
      Then the group "ops" has exactly the members "bob"
