@keeper @teams
Feature: Keeper teams as SCIM groups
  A SCIM group is a Keeper team. Keeper "supports the 'excludedAttributes' for 'members'" to keep group reads
  cheap ("API Provisioning with SCIM"); a user can be put in teams when it is created, by listing them in
  groups ("Using SCIM API Provisioning": "This is the only required information to add the user to a group"),
  and Keeper's own clients add and remove memberships with PATCH on the user (Commander scim push,
  ksm-google-scim).

  @exclude-members
  Rule: excludedAttributes=members leaves the members out
    Cites Keeper "API Provisioning with SCIM": "Keeper supports the “excludedAttributes” for “members” attribute."

    @must
    Example: Reading a group without its members
      Given the group "ops" has the member "alice"
      When the identity provider reads the group "ops" asking for "excludedAttributes=members"
      Then the answer has no members
      And the answer's displayName is "{ops}"

    @must
    Example: Entra ID looks a group up by name without its members
      Given the group "ops" has the member "alice"
      When the identity provider lists groups asking for "excludedAttributes=members&filter=displayName eq \"{ops}\""
      Then no listed resource has members

    @should @assumption
    Example: Changing a group while excluding members answers without them
      Given the user "bob" exists
      And the group "ops" has the member "alice"
      When the identity provider adds the user "bob" to the group "ops" asking for "excludedAttributes=members"
      Then the answer has status 200
      And the answer has no members

  @groups-on-create
  Rule: A user provisioned with groups joins those teams
    Cites Keeper "Using SCIM API Provisioning": "This is the only required information to add the user to a group."

    @must
    Example: Alice is provisioned straight into Ops
      Given the group "ops" exists
      When the identity provider provisions the user "alice" into the group "ops"
      Then the user "alice" belongs to the group "ops"

  @membership-through-user @needs-patch
  Rule: Keeper's own client manages memberships through the user
    Cites Keeper "API Provisioning with SCIM": "Parses SCIM content (Operations) and adds or removes the user 456 to/from teams referenced in add/remove operations as groups."

    @must
    Example: Keeper's client adds a user to a team through the user
      Given the user "alice" exists
      And the group "ops" exists
      When Keeper's own client adds the user "alice" to the group "ops" through the user
      Then the group "ops" has exactly the members "alice"

    @must
    Example: Keeper's client removes a user from a team through the user
      Given the group "ops" has the members "alice" and "bob"
      When Keeper's own client removes the user "alice" from the group "ops" through the user
      Then the group "ops" has exactly the members "bob"

  @group-patch-no-content @assumption @needs-patch
  Rule: A membership change answers 204 No Content unless a projection is asked for

    @should
    Example: Adding a member answers 204
      Given the user "bob" exists
      And the group "ops" exists
      When the identity provider adds the user "bob" to the group "ops"
      Then the answer has status 204
