@keeper @idp @needs-patch
Feature: The requests Keeper's documented identity providers send are understood
  Keeper documents provisioning from Microsoft Entra ID and Okta ("Entra ID / Azure AD Provisioning", "Okta
  Integration with SAML and SCIM") and ships its own SCIM clients (Commander scim push, ksm-google-scim).
  Source of the request shapes: Microsoft Learn "Known issues and resolutions with SCIM 2.0 protocol compliance"
  (capitalised op names, "True"/"False" strings, path-less values with dotted and URN-qualified keys, members
  removed by a value list, several members in one operation), Okta's SCIM 2.0 reference (group rename carrying
  the group's id), Keeper's clients (path-less replace with dotted keys).

  @entra-capitalised-ops
  Rule: Operation names are understood in any case
    Level: SHOULD, not MUST: what Entra ID sends; Keeper documents the Entra integration but not these request shapes.

    @should
    Example: Entra ID replaces the display name with "Replace"
      Given the user "alice" exists
      When Entra ID patches the user "alice" with:
        """
        [{"op": "Replace", "path": "displayName", "value": "Alice Liddell"}]
        """
      Then the user "alice" has displayName "Alice Liddell"

    @should
    Example: Entra ID adds a member with "Add" and a null $ref
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When Entra ID patches the group "ops" with:
        """
        [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "{bob.id}"}]}]
        """
      Then the group "ops" has exactly the members "alice" and "bob"

    @should
    Example: Entra ID removes a member with "Remove" and a value list
      Given the group "ops" has the members "alice" and "bob"
      When Entra ID patches the group "ops" with:
        """
        [{"op": "Remove", "path": "members", "value": [{"value": "{alice.id}"}]}]
        """
      Then the group "ops" has exactly the members "bob"

    @should
    Example: Entra ID adds two members in one operation
      Given the users "alice" and "bob" exist
      And the group "ops" exists
      When Entra ID patches the group "ops" with:
        """
        [{"op": "Add", "path": "members", "value": [{"value": "{alice.id}"}, {"value": "{bob.id}"}]}]
        """
      Then the group "ops" has exactly the members "alice" and "bob"

  @entra-string-booleans
  Rule: Booleans sent as the strings "True" and "False" are understood
    Level: SHOULD, not MUST: what Entra ID sends; Keeper documents the Entra integration but not these request shapes.

    @should
    Example: Entra ID disables a user with "False"
      Given the user "alice" exists
      When Entra ID patches the user "alice" with:
        """
        [{"op": "Replace", "path": "active", "value": "False"}]
        """
      Then the user "alice" is inactive

    @should
    Example: Entra ID enables a user with "True"
      Given the user "alice" is deactivated
      When Entra ID patches the user "alice" with:
        """
        [{"op": "Replace", "path": "active", "value": "True"}]
        """
      Then the user "alice" is active

  @idp-pathless-keys
  Rule: Path-less values with dotted, URN-qualified or read-only keys are understood
    Level: SHOULD, not MUST: what Entra ID and Okta send; Keeper does not document these request shapes.

    @should
    Example: Keeper's own client updates the name with dotted keys
      Given the user "alice" exists
      When Keeper's own client patches the user "alice" with:
        """
        [{"op": "replace", "value": {"name.givenName": "Ally", "name.familyName": "Liddell", "displayName": "Ally Liddell"}}]
        """
      Then the user "alice" has name.givenName "Ally"

    @should
    Example: Entra ID updates several attributes, one of them from the enterprise extension
      Given the user "alice" exists
      When Entra ID patches the user "alice" with:
        """
        [{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "{scope}.alice.w@example.com"},
         {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"}}]
        """
      Then the user "alice" has displayName "Bjfe"

    @should
    Example: Okta renames a group sending its unchanged id
      Given the group "ops" exists
      When Okta patches the group "ops" with:
        """
        [{"op": "replace", "value": {"id": "{ops.id}", "displayName": "{scope} Renamed"}}]
        """
      Then the group "ops" has displayName "{scope} Renamed"

  @entra-unquoted-filter @assumption @needs-filter
  Rule: Entra ID's unquoted externalId filter is understood

    @should
    Example: Entra ID matches a user by an unquoted externalId
      Given the users "alice" and "bob" exist
      When the identity provider lists users with the filter externalId eq {alice.externalId}
      Then the list holds exactly the users "alice"
