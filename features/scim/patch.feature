@rfc7644 @patch @needs-patch
Feature: PATCH changes part of a resource
  Source: RFC 7644 §3.5.2 (modifying with PATCH): add (§3.5.2.1), remove (§3.5.2.2), replace (§3.5.2.3),
  operations applied in order and atomically. The request shapes are the ones Okta and Microsoft Entra ID send
  (Okta SCIM 2.0 reference; Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance").

  @patch-with-path
  Rule: add, replace and remove with a path change that attribute

    @must
    Example: Replacing the display name
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "Alice Liddell"}]
        """
      Then the user "alice" has displayName "Alice Liddell"

    @must
    Example: Adding a value the user did not have
      Given the user "dave" exists
      When the identity provider patches the user "dave" with:
        """
        [{"op": "add", "path": "name.givenName", "value": "David"}]
        """
      Then the user "dave" has name.givenName "David"

    @must
    Example: Removing a sub-attribute
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "remove", "path": "name.familyName"}]
        """
      Then the user "alice" has no name.familyName

    @must
    Example: Adding a member to a group
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "add", "path": "members", "value": [{"value": "{bob.id}"}]}]
        """
      Then the group "ops" has exactly the members "alice" and "bob"

    @must
    Example: Renaming a group
      Given the group "ops" exists
      When the identity provider patches the group "ops" with:
        """
        [{"op": "replace", "path": "displayName", "value": "{scope} Operations"}]
        """
      Then the group "ops" has displayName "{scope} Operations"

    @must
    Example: Removing every member with a path and no filter
      Given the group "ops" has the members "alice" and "bob"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "remove", "path": "members"}]
        """
      Then the group "ops" has no members

  @patch-no-change
  Rule: An add of a value the resource already has changes nothing (§3.5.2.1: it "SHALL NOT change the modify timestamp")

    @must
    Scenario Outline: Adding <what> the user already has keeps its lastModified
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "add", "path": "<path>", "value": <value>}]
        """
      Then the request succeeds
      And the user "alice" keeps its lastModified

      Examples:
        | what                 | path        | value                                                       |
        | the display name     | displayName | "Alice Smith"                                               |
        | an email             | emails      | [{"value": "{alice}", "type": "work", "primary": true}]     |
        | the given name       | name        | {"givenName": "Alice"}                                      |

    @should
    Example: Adding the display name the user already has keeps its version
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "add", "path": "displayName", "value": "Alice Smith"}]
        """
      Then the user "alice" keeps its version

  @keeper-differs @patch-remove-unassigns
  Rule: remove leaves the attribute unassigned (§3.5.2.2: it "SHALL be considered unassigned")

    @must
    Scenario Outline: Removing <attribute> leaves the user without it
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "remove", "path": "<attribute>"}]
        """
      Then the request succeeds
      And the user "alice" has no <attribute>

      Examples:
        | attribute   |
        | displayName |
        | emails      |

  @patch-active
  Rule: Setting active deactivates and reactivates a user

    @must
    Example: Okta deactivates a user with a path-less value
      Given the user "alice" exists
      When Okta patches the user "alice" with:
        """
        [{"op": "replace", "value": {"active": false}}]
        """
      Then the user "alice" is inactive

    @must
    Example: Reactivating a deactivated user
      Given the user "alice" exists
      And the user "alice" is deactivated
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "active", "value": true}]
        """
      Then the user "alice" is active

  @patch-pathless
  Rule: An operation without a path takes an object of attribute values (RFC 7644 §3.5.2.3)

    @must
    Example: A path-less replace sets several attributes
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "value": {"displayName": "Alice Liddell", "externalId": "{scope}-liddell"}}]
        """
      Then the user "alice" has externalId "{scope}-liddell"

    @must
    Example: A path-less add sets a complex attribute
      Given the user "dave" exists
      When the identity provider patches the user "dave" with:
        """
        [{"op": "add", "value": {"name": {"givenName": "David", "familyName": "Brent"}}}]
        """
      Then the user "dave" has name.familyName "Brent"

  @patch-value-path
  Rule: A path with a value filter targets the matching values

    @must
    Example: Replacing the work email through a value path
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "{scope}.alice.l@example.com"}]
        """
      Then the user "alice" has the work email "{scope}.alice.l@example.com"

  @member-removal
  Rule: Removing a member removes that member only

    @must
    Example: Removing a member named by a value filter
      Given the group "ops" has the members "alice" and "bob"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "remove", "path": "members[value eq \"{alice.id}\"]"}]
        """
      Then the group "ops" has exactly the members "bob"

  @members-replace
  Rule: Replacing members sets the list to exactly the values given

    @must
    Example: Okta empties a group by replacing its members with an empty list
      Given the group "ops" has the members "alice" and "bob"
      When Okta patches the group "ops" with:
        """
        [{"op": "replace", "path": "members", "value": []}]
        """
      Then the group "ops" has no members

    @must
    Example: Okta pushes the full member list
      Given the user "carol" exists
      And the group "ops" has the members "alice" and "bob"
      When Okta patches the group "ops" with:
        """
        [{"op": "replace", "path": "members", "value": [{"value": "{bob.id}"}, {"value": "{carol.id}"}]}]
        """
      Then the group "ops" has exactly the members "bob" and "carol"

  @patch-in-order
  Rule: All operations of a request apply, in order

    @must
    Example: Okta moves membership with a remove and an add in one request
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When Okta patches the group "ops" with:
        """
        [{"op": "remove", "path": "members[value eq \"{alice.id}\"]"},
         {"op": "add", "path": "members", "value": [{"value": "{bob.id}", "display": "{bob}"}]}]
        """
      Then the group "ops" has exactly the members "bob"

    @must
    Example: A later operation overrides an earlier one on the same attribute
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "First"},
         {"op": "replace", "path": "displayName", "value": "Second"}]
        """
      Then the user "alice" has displayName "Second"

  @patch-atomic
  Rule: A request with one failing operation changes nothing

    @must
    Example: A valid change is not kept when a later operation fails
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "Changed"},
         {"op": "remove"}]
        """
      Then the answer has status 400 and scimType "noTarget"
      And the user "alice" has displayName "Alice Smith"

  @patch-errors
  Rule: A malformed PATCH is refused with the RFC's error type

    @must
    Scenario Outline: A PATCH with <problem> is refused
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        <operations>
        """
      Then the answer has status 400 and scimType "<scimType>"

      Examples:
        | problem                       | operations                                            | scimType      |
        | a remove without a path       | [{"op": "remove"}]                                    | noTarget      |
        | an unknown operation          | [{"op": "merge", "path": "displayName", "value": "x"}] | invalidSyntax |
        | a path that does not parse    | [{"op": "replace", "path": "emails[type eq", "value": "x"}] | invalidPath |
