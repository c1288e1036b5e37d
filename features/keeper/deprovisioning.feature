@keeper @deprovision
Feature: Deprovisioning locks instead of deleting
  Keeper keeps a deprovisioned user's vault: DELETE /Users/{id} locks the account and `active` locks and unlocks.
  Source: "API Provisioning with SCIM" and "Using SCIM API Provisioning" (PATCH active true/false unlocks/locks);
  Entra ID page ("Deletes users (locks users in Keeper)"); Microsoft Learn Keeper provisioning tutorial (disabled
  users appear locked); JumpCloud ("their Keeper account will not be deleted but automatically locked");
  Google ("their Keeper account will be automatically locked").

  @lock-on-delete
  Rule: A deleted user is locked, not removed
    Cites Keeper "API Provisioning with SCIM": "Keeper locks the account instead of deletion to prevent data loss."

    @must
    Example: An identity provider deprovisions Alice
      Given the user "alice" exists
      When the identity provider deletes the user "alice"
      Then the user "alice" can still be read
      And the user "alice" is inactive

    @should
    Example: A deprovisioned user is still found by userName
      Given the user "alice" was deleted
      When the identity provider lists users with the filter userName eq "{alice}"
      Then the list holds exactly the users "alice"

    @must @needs-admin
    Example: An administrator sees the deprovisioned user locked
      Given the user "alice" has accepted the invitation
      When the identity provider deletes the user "alice"
      Then the user "alice" is locked

    @must @needs-admin @assumption
    Example: Deprovisioning an invited user locks the invitation
      Given the user "alice" exists
      When the identity provider deletes the user "alice"
      Then the user "alice" is invited and locked

    @should
    Example: A deprovisioned user can be reactivated
      Given the user "alice" was deleted
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "active", "value": true}]
        """
      Then the user "alice" is active

  @active-locks @needs-admin
  Rule: active false locks the user and active true unlocks it
    Cites Keeper "Using SCIM API Provisioning": "Be sure to set the 'value' to true (unlocked) or false (locked)"

    @must
    Scenario Outline: <client> locks a user
      Given the user "alice" has accepted the invitation
      When <client> <change>
      Then the user "alice" is locked

      Examples:
        | client                | change                                                     |
        | Entra ID              | disables the user "alice"                                  |
        | Okta                  | deactivates the user "alice"                               |
        | the identity provider | replaces the user "alice" with active false                |

    @must
    Example: active true unlocks a locked user
      Given the user "alice" has accepted the invitation
      And the user "alice" is deactivated
      When Okta reactivates the user "alice"
      Then the user "alice" is unlocked

  @put-keeps-lock @assumption
  Rule: A PUT without active leaves the lock as it is

    @should
    Example: Replacing a locked user without active keeps it locked
      Given the user "alice" is deactivated
      When the identity provider replaces the user "alice" without the active attribute
      Then the user "alice" is inactive
