@keeper @approval @needs-admin
Feature: Teams and memberships wait in the approval queue
  SCIM-provisioned teams are "pending" and users added to teams are "pending" until an administrator, a team
  member's vault login or Keeper Automator approves them; a membership is approved only when its user is active
  and not locked and its team is approved. Source: "Team and User Approvals"; KB 228 ("SCIM provisioning issues
  with teams and users"); Commander team-approve (approves a queued user only when status is active and lock is 0);
  Keeper Automator (team and team-user approval skills). The reference plays the administrator and Automator
  through its admin API (docs/admin-api.md).

  @teams-pending
  Rule: A team created through SCIM is pending
    Cites Keeper "API Provisioning with SCIM": "New teams created by the SCIM sync are created in the “pending” state and require final approval from either the Keeper Administrator or another team member."

    @must
    Example: A new team waits for approval
      When the identity provider creates the group "ops"
      Then an administrator sees the team "ops" pending

  @memberships-pending
  Rule: A membership added through SCIM is pending
    Cites Keeper "API Provisioning with SCIM": "Users added to teams via SCIM are added in a "pending" state and require approval."

    @must
    Scenario Outline: A membership added <how> waits for approval
      Given the user "alice" exists
      And the group "ops" exists
      When <action>
      Then an administrator sees the membership of "alice" in "ops" pending

      Examples:
        | how                                  | action                                                                  |
        | by adding the member to the group    | the identity provider adds the user "alice" to the group "ops"          |
        | by adding the team to the user       | Keeper's own client adds the user "alice" to the group "ops" through the user |

    @must
    Example: A membership given when the group is created waits for approval
      Given the user "alice" exists
      When the identity provider creates the group "ops" with the member "alice"
      Then an administrator sees the membership of "alice" in "ops" pending

    @must
    Example: A membership given when the user is provisioned waits for approval
      Given the group "ops" exists
      When the identity provider provisions the user "alice" into the group "ops"
      Then an administrator sees the membership of "alice" in "ops" pending

  @approval-activates @own-node
  Rule: Approving the queue activates pending teams and approvable memberships
    Cites Keeper "Team and User Approvals": "In the newest version of Keeper, User and Team approvals occur automatically upon signing into the Admin Console, Web Vault and Desktop App."

    @must
    Example: Approval activates a pending team
      Given the group "ops" exists
      When an administrator approves the queue
      Then an administrator sees the team "ops" active

    @must
    Example: Approval activates an active user's membership
      Given the user "alice" has accepted the invitation
      And the group "ops" has the member "alice"
      When an administrator approves the queue
      Then an administrator sees the membership of "alice" in "ops" active

  @approval-waits-for-user @own-node
  Rule: A membership stays queued while its user is invited or locked
    Level: SHOULD, not MUST: Keeper's documents do not state it; the SDKs leave such memberships queued.

    @should
    Example: An invited user's membership stays queued
      Given the group "ops" was approved
      And the group "ops" has the member "alice"
      When an administrator approves the queue
      Then an administrator sees the membership of "alice" in "ops" pending

    @should
    Example: A locked user's membership stays queued
      Given the group "ops" was approved
      And the user "alice" has accepted the invitation
      And the user "alice" is deactivated
      And the group "ops" has the member "alice"
      When an administrator approves the queue
      Then an administrator sees the membership of "alice" in "ops" pending

  @auto-approve @own-node
  Rule: With automatic approval (Keeper Automator) nothing waits that can be approved

    @should
    Example: A new team is active at once
      Given the node approves the queue automatically
      When the identity provider creates the group "ops"
      Then an administrator sees the team "ops" active

    @should
    Example: An active user's new membership is active at once
      Given the node approves the queue automatically
      And the user "alice" has accepted the invitation
      And the group "ops" exists
      When the identity provider adds the user "alice" to the group "ops"
      Then an administrator sees the membership of "alice" in "ops" active

    @should
    Example: An invited user's membership becomes active when the person accepts
      Given the node approves the queue automatically
      And the group "ops" has the member "alice"
      When the user "alice" accepts the invitation
      Then an administrator sees the membership of "alice" in "ops" active
