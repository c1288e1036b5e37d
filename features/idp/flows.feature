@keeper @idp
Feature: Every identity provider's whole provisioning life is accepted
  An identity provider connects, provisions, updates and deprovisions; the target must accept each request as
  the IdP sends it, or the IdP logs a provisioning error and stops syncing that object. Sources: Microsoft Learn
  "Known issues and resolutions with SCIM 2.0 protocol compliance" (capitalised ops, "False", one op per
  attribute, and the aadOptscim062020 compliant mode), Okta's "SCIM 2.0 protocol reference" (path-less
  deactivation, group rename with the id, remove-then-add), JumpCloud's "Identity Management using a Custom
  SCIM Integration" (its Test Connection); the others send the RFC 7644 form (docs/simulate.md).

  @idp-lifecycle
  Rule: An identity provider's connect, sync, update and deprovisioning are accepted
    Cites Keeper "JumpCloud Provisioning": "This guide covers JumpCloud Automated Provisioning with SCIM which will update and deactivate Keeper user accounts as changes are made in JumpCloud."

    @must
    Scenario Outline: <idp> runs its whole provisioning life
      Given <idp> has a directory with updates and a leaver
      When <idp> runs every provisioning phase
      Then <idp> met no provisioning error
      And the user "alice" has displayName "Alice Liddell"
      And the user "dave" is inactive

      @jumpcloud
      Examples: JumpCloud
        | idp       |
        | JumpCloud |

      @cloudgate
      Examples: CloudGate
        | idp       |
        | CloudGate |

      @onelogin
      Examples: OneLogin
        | idp      |
        | OneLogin |

      @google
      Examples: Google Workspace
        | idp              |
        | Google Workspace |

  @idp-entra-lifecycle
  Rule: Entra ID's default requests are accepted: capitalised ops, "False" strings, one op per attribute
    Cites Keeper "Entra ID / Azure AD Provisioning": "Deletes users (locks users in Keeper)"

    @must @entra
    Example: Entra ID runs its whole provisioning life
      Given Entra ID has a directory with updates and a leaver
      When Entra ID runs every provisioning phase
      Then Entra ID met no provisioning error
      And the group "ops" has exactly the members "alice" and "carol"
      And the user "dave" is inactive

  @idp-entra-compliant-lifecycle
  Rule: Entra ID's compliant requests are accepted: path-less replace with dotted keys, members[value eq] removal
    Cites Keeper "Entra ID / Azure AD Provisioning": "Deletes users (locks users in Keeper)"

    @must @entra
    Example: Entra ID in compliant mode runs its whole provisioning life
      Given Entra ID in compliant mode has a directory with updates and a leaver
      When Entra ID in compliant mode runs every provisioning phase
      Then Entra ID in compliant mode met no provisioning error
      And the group "ops" has exactly the members "alice" and "carol"
      And the user "dave" is inactive

  @idp-okta-lifecycle
  Rule: Okta's requests are accepted: PUT updates, path-less deactivation, rename with the id, remove-then-add
    Cites Keeper "Okta Provisioning": "Activate or deactivate users (locks or unlocks them in Keeper)"

    @must @okta
    Example: Okta runs its whole provisioning life
      Given Okta has a directory with updates and a leaver
      When Okta runs every provisioning phase
      Then Okta met no provisioning error
      And the group "ops" has exactly the members "alice" and "carol"
      And the user "dave" is inactive

  @idp-test-connection
  Rule: JumpCloud's Test Connection leaves its test group deleted and its test user locked
    Level: SHOULD, not MUST: Keeper's CloudGate and JumpCloud guides say "Test" checks the connection, not what it leaves behind.

    @should @jumpcloud
    Example: JumpCloud tests the connection
      Given JumpCloud has the user "alice"
      When JumpCloud tests the connection
      Then the group "test group" can no longer be read
      And the user "idp-test" can still be read
      And the user "idp-test" is locked
