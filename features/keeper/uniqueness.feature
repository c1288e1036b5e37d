@keeper @uniqueness
Feature: An email belongs to one Keeper user
  Keeper identities are unique across every enterprise: POST /Users answers 409 when the "email [is] already
  taken" ("Using SCIM API Provisioning"); a user already in the node is linked rather than refused (KB "SCIM
  provisioning errors"; our assumption: same id, 201); a reserved domain lets "only this enterprise ... create user
  accounts with email addresses from this domain" (domain reservation commands); teams and users referenced
  "must belong to the same node" ("API Provisioning with SCIM"); "Unique Groups" is an endpoint switch (Commander
  scim create --unique-groups).

  @email-unique-globally @needs-other-node
  Rule: An email another enterprise holds is refused with 409
    Cites Keeper "API Provisioning with SCIM": "the username of the provider maps to the Keeper user name (email address), which needs to be unique globally."

    @must
    Example: The email is taken in another enterprise
      Given the user "alice" exists in another enterprise
      When the identity provider provisions the user "alice"
      Then the answer has status 409 and scimType "uniqueness"

    @must
    Example: Emails are compared without regard to case
      Given the user "alice" exists in another enterprise with the address in upper case
      When the identity provider provisions the user "alice"
      Then the answer has status 409 and scimType "uniqueness"

  @same-node-link @assumption
  Rule: Provisioning a user already in this node links to it
    Cites Keeper "API Provisioning with SCIM": "The only exception is if the user is already a member of the same node, then the provisioning will be successful, establishing the link between the identity provider and Keeper."

    @must
    Example: Provisioning Alice again answers 201 with the same id
      Given the user "alice" exists
      When the identity provider provisions the user "alice" again with a new externalId
      Then the answer has status 201
      And the user "alice" keeps its id

    @should
    Example: Linking takes the new externalId
      Given the user "alice" exists
      When the identity provider provisions the user "alice" again with a new externalId
      Then the answer's externalId is "{scope}-relinked"

    @must
    Example: Provisioning Alice again with the address in upper case links to her
      Given the user "alice" exists
      When the identity provider provisions the user "alice" again with the address in upper case
      Then the answer has status 201
      And the user "alice" keeps its id

  @reserved-domain @needs-admin @assumption
  Rule: An address in a domain another enterprise reserved is refused with 409
    Level: SHOULD, not MUST: Keeper documents domain reservation but not what its SCIM endpoint answers for a reserved address.

    @should
    Example: Another enterprise reserved Alice's domain
      Given another enterprise reserved the domain of the user "alice"
      When the identity provider provisions the user "alice"
      Then the answer has status 409 and scimType "uniqueness"

    @should
    Example: A reserved domain written in upper case is still reserved
      Given another enterprise reserved the domain of the user "alice"
      When the identity provider provisions the user "alice" with the address in upper case
      Then the answer has status 409 and scimType "uniqueness"

  @same-node-references @needs-other-node @assumption
  Rule: Teams and users referenced must belong to the same node
    Cites Keeper "API Provisioning with SCIM": "The referenced teams must belong to the same node."

    @must
    Example: A user cannot be provisioned into another node's team
      Given the group "ops" exists in another node
      When the identity provider provisions the user "alice" into the group "ops"
      Then the answer has status 400 and scimType "invalidValue"

    @must
    Example: A group cannot take a member from another node
      Given the user "alice" exists in another node
      When the identity provider creates the group "ops" with the member "alice"
      Then the answer has status 400 and scimType "invalidValue"

    @must
    Example: A user cannot join another node's team through PATCH
      Given the user "alice" exists
      And the group "ops" exists in another node
      When Keeper's own client adds the user "alice" to the group "ops" through the user
      Then the answer has status 400 and scimType "invalidValue"

  @unique-group-names @own-node
  Rule: With unique group names on, a name is used once per node
    Cites Keeper "API Provisioning with SCIM": "If you encounter an issue with duplicate group names, please contact Keeper and we will set a flag on your SCIM connection which enforces unique names."

    @must
    Example: A second group of the same name is refused
      Given the endpoint requires unique group names
      And the group "ops" exists
      When the identity provider creates another group named like "ops"
      Then the answer has status 409 and scimType "uniqueness"

    @must
    Example: Names that differ only in case are the same name
      Given the endpoint requires unique group names
      And the group "ops" exists
      When the identity provider creates another group named like "ops" in upper case
      Then the answer has status 409 and scimType "uniqueness"
