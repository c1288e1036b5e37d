@rfc7644 @patch @needs-patch
Feature: PATCH changes part of a resource
  Source: RFC 7644 §3.5.2 (modifying with PATCH): add (§3.5.2.1), remove (§3.5.2.2), replace (§3.5.2.3),
  operations applied in order and atomically. The request shapes are the ones Okta and Microsoft Entra ID send
  (Okta SCIM 2.0 reference; Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol compliance").

  @patch-with-path
  Rule: add, replace and remove with a path change that attribute
    Level: SHOULD, not MUST: RFC 7644 §3.5.2.1-3 define add, replace and remove by description, without MUST.

    @should
    Example: Replacing the display name
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "Alice Liddell"}]
        """
      Then the user "alice" has displayName "Alice Liddell"

    @should
    Example: A PATCH answer shows the change
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "Alice Liddell"}]
        """
      Then the answer has no body or shows displayName "Alice Liddell"

    @should
    Example: Adding an email keeps the ones the user has
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "add", "path": "emails", "value": [{"value": "{scope}-alice@example.com", "type": "home"}]}]
        """
      Then the user "alice" has the work email "{alice}"

    @should
    Example: A new primary email takes primary from the old one
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "add", "path": "emails", "value": [{"value": "{scope}-alice@example.com", "type": "home", "primary": true}]}]
        """
      Then the user "alice" has exactly one primary email, "{scope}-alice@example.com"

    @should
    Example: Adding a value the user did not have
      Given the user "dave" exists
      When the identity provider patches the user "dave" with:
        """
        [{"op": "add", "path": "name.givenName", "value": "David"}]
        """
      Then the user "dave" has name.givenName "David"

    @should
    Example: Removing a sub-attribute
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "remove", "path": "name.familyName"}]
        """
      Then the user "alice" has no name.familyName

    @should
    Example: Adding a member to a group
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "add", "path": "members", "value": [{"value": "{bob.id}"}]}]
        """
      Then the group "ops" has exactly the members "alice" and "bob"

    @should
    Example: Renaming a group
      Given the group "ops" exists
      When the identity provider patches the group "ops" with:
        """
        [{"op": "replace", "path": "displayName", "value": "{scope} Operations"}]
        """
      Then the group "ops" has displayName "{scope} Operations"

    @should
    Example: Removing every member with a path and no filter
      Given the group "ops" has the members "alice" and "bob"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "remove", "path": "members"}]
        """
      Then the group "ops" has no members

  @patch-no-change
  Rule: An add of a value the resource already has changes nothing (§3.5.2.1: it "SHALL NOT change the modify timestamp")
    Cites RFC 7644 §3.5.2.1: "Unless other operations change the resource, this operation SHALL NOT change the modify timestamp of the resource."
    The version is not judged: the RFC fixes the timestamp only, and an independent server that bumps a weak
    version on such an add is not at fault (the reference keeps both).

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


  @keeper-differs @patch-remove-unassigns
  Rule: remove leaves the attribute unassigned (§3.5.2.2: it "SHALL be considered unassigned")
    Cites RFC 7644 §3.5.2.2: "If the target location is a single-value attribute, the attribute and its associated value is removed, and the attribute SHALL be considered unassigned."

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
    Level: SHOULD, not MUST: RFC 7643 §4.1.1 defines active ("A Boolean value indicating the User's administrative status") without a MUST on PATCH.

    @should
    Example: Okta deactivates a user with a path-less value
      Given the user "alice" exists
      When Okta patches the user "alice" with:
        """
        [{"op": "replace", "value": {"active": false}}]
        """
      Then the user "alice" is inactive

    @should
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
    Level: SHOULD, not MUST: RFC 7644 §3.5.2.1 ("If omitted, the target location is assumed to be the resource itself") states no MUST.

    @should
    Example: A path-less replace sets several attributes
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "value": {"displayName": "Alice Liddell", "externalId": "{scope}-liddell"}}]
        """
      Then the user "alice" has externalId "{scope}-liddell"

    @should
    Example: A path-less add sets a complex attribute
      Given the user "dave" exists
      When the identity provider patches the user "dave" with:
        """
        [{"op": "add", "value": {"name": {"givenName": "David", "familyName": "Brent"}}}]
        """
      Then the user "dave" has name.familyName "Brent"

  @patch-value-path
  Rule: A path with a value filter targets the matching values
    Cites RFC 7644 §3.5.2.3: "If the target location is a multi-valued attribute and a value selection ("valuePath") filter is specified that matches one or more values of the multi-valued attribute, then all matching record values SHALL be replaced."

    @must
    Example: Replacing the work email through a value path
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "{scope}.alice.l@example.com"}]
        """
      Then the user "alice" has the work email "{scope}.alice.l@example.com"

    @must
    Example: Replacing the work email through a value path leaves the home email
      Given the user "erin" exists
      When the identity provider patches the user "erin" with:
        """
        [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "{scope}.erin.l@example.com"}]
        """
      Then the user "erin" has emails.#(type=="home").value "{erin.home}"

    @must
    Example: Removing the home email through a value path keeps the work email
      Given the user "erin" exists
      When the identity provider patches the user "erin" with:
        """
        [{"op": "remove", "path": "emails[type eq \"home\"]"}]
        """
      Then the user "erin" has the work email "{erin}"

  @member-removal
  Rule: Removing a member removes that member only
    Level: SHOULD, not MUST: RFC 7644 §3.5.2.2 ("the values matched by the filter are removed") describes it without MUST.

    @should
    Example: Removing a member named by a value filter
      Given the group "ops" has the members "alice" and "bob"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "remove", "path": "members[value eq \"{alice.id}\"]"}]
        """
      Then the group "ops" has exactly the members "bob"

    @should
    Example: Removing one of three members keeps the other two
      Given the group "ops" has the members "alice", "bob" and "carol"
      When the identity provider patches the group "ops" with:
        """
        [{"op": "remove", "path": "members[value eq \"{bob.id}\"]"}]
        """
      Then the group "ops" has exactly the members "alice" and "carol"

  @members-replace
  Rule: Replacing members sets the list to exactly the values given
    Level: SHOULD, not MUST: RFC 7644 §3.5.2.3 ("the attribute and all values are replaced") describes it without MUST.

    @should
    Example: Okta empties a group by replacing its members with an empty list
      Given the group "ops" has the members "alice" and "bob"
      When Okta patches the group "ops" with:
        """
        [{"op": "replace", "path": "members", "value": []}]
        """
      Then the group "ops" has no members

    @should
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
    Level: SHOULD, not MUST: RFC 7644 §3.5.2 follows JSON Patch (RFC 6902 §3: "Operations are applied sequentially in the order they appear in the array"), a description without MUST.

    @should
    Example: Okta moves membership with a remove and an add in one request
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When Okta patches the group "ops" with:
        """
        [{"op": "remove", "path": "members[value eq \"{alice.id}\"]"},
         {"op": "add", "path": "members", "value": [{"value": "{bob.id}", "display": "{bob}"}]}]
        """
      Then the group "ops" has exactly the members "bob"

    @should
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
    Cites RFC 7644 §3.5.2: "A PATCH request, regardless of the number of operations, SHALL be treated as atomic. If a single operation encounters an error condition, the original SCIM resource MUST be restored, and a failure status SHALL be returned."

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
    Level: SHOULD, not MUST: RFC 7644 §3.12 makes scimType OPTIONAL and Table 9 lists the PATCH error types without MUST.
    The refusal of an unknown op is a MUST (its scimType is not judged):
    Cites RFC 7644 §3.5.2: "Each PATCH operation object MUST have exactly one "op" member, whose value indicates the operation to perform and MAY be one of "add", "remove", or "replace"."

    @should
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
        | a path that does not parse    | [{"op": "replace", "path": "emails[type eq", "value": "x"}] | invalidPath |

  @not-found
  Rule: A PATCH of an unknown id is 404 Not Found (RFC 7644 §3.12)
    Level: SHOULD, not MUST: RFC 7644 Table 8 lists 404 for a resource that does not exist, without MUST.

    @should
    Scenario Outline: Patching an unknown <resource> answers 404
      When the identity provider patches an unknown <resource>
      Then the answer has status 404

      Examples:
        | resource |
        | user     |
        | group    |
