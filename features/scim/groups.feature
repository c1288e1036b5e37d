@groups
Feature: Groups are created with their members and deleted
  Source: RFC 7644 §3.3 and §3.6, RFC 7643 §4.2 (the Group resource). Keeper represents a group as a team
  (seed: "Using SCIM API Provisioning", "Creating a Team - Groups/POST", "Deleting a team - Groups/DELETE").

  @rfc7644 @create-group
  Rule: Creating a group answers 201 with the new resource

    @must
    Example: Creating a group answers 201 with its id
      When the identity provider creates the group "ops"
      Then the group is created

  @rfc7644 @members-on-create
  Rule: A group created with members lists them

    @must
    Example: A group created with two members lists both
      Given the users "alice" and "bob" exist
      When the identity provider creates the group "ops" with the members "alice" and "bob"
      Then the group "ops" has exactly the members "alice" and "bob"

  @rfc7644 @delete-group
  Rule: A deleted group is gone

    @must
    Example: A deleted group can no longer be read
      Given the group "ops" exists
      When the identity provider deletes the group "ops"
      Then the group "ops" can no longer be read
