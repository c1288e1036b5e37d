@groups
Feature: Groups are created with their members and deleted
  Source: RFC 7644 §3.3 and §3.6, RFC 7643 §4.2 (the Group resource). Keeper represents a group as a team
  (seed: "Using SCIM API Provisioning", "Creating a Team - Groups/POST", "Deleting a team - Groups/DELETE").

  @rfc7644 @create-group
  Rule: Creating a group answers 201 with the new resource
    Cites RFC 7644 §3.3: "When the service provider successfully creates the new resource, an HTTP response SHALL be returned with HTTP status code 201 (Created)."

    @must
    Example: Creating a group answers 201 with its id
      When the identity provider creates the group "ops"
      Then the group is created

  @rfc7644 @members-on-create
  Rule: A group created with members lists them
    Level: SHOULD, not MUST: RFC 7644 §3.3 says the answer SHOULD contain the created resource; no MUST fixes that members sent on create are kept.

    @should
    Example: A group created with two members lists both
      Given the users "alice" and "bob" exist
      When the identity provider creates the group "ops" with the members "alice" and "bob"
      Then the group "ops" has exactly the members "alice" and "bob"

  @rfc7644 @delete-group
  Rule: A deleted group is gone
    Cites RFC 7644 §3.6: "Service providers MAY choose not to permanently delete the resource but MUST return a 404 (Not Found) error code for all operations associated with the previously deleted resource."

    @must
    Example: A deleted group can no longer be read
      Given the group "ops" exists
      When the identity provider deletes the group "ops"
      Then the group "ops" can no longer be read
