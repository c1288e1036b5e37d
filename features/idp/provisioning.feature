@keeper @idp
Feature: What identity providers provision lands in Keeper as Keeper documents it
  Each identity provider Keeper documents (Entra ID, Okta, JumpCloud, CloudGate, OneLogin, Google Workspace)
  runs its own flows against the target through mockidp/sync, with the request shapes it really sends
  (docs/simulate.md). Keeper's outcome, from "Team and User Approvals", "Entra ID / Azure AD Provisioning",
  "Okta Integration with SAML and SCIM" and JumpCloud's "Integrate with Keeper": a provisioned user is invited,
  a deprovisioned user is locked and still there, a pushed group is a pending team, memberships wait for
  approval, and an email another enterprise owns cannot be taken.

  @idp-users-invited @needs-admin
  Rule: A user an identity provider provisions is invited
    Cites Keeper "API Provisioning with SCIM": "New users added by the SCIM sync are created in the “invited” state and will receive an invite to join Keeper."

    @must
    Scenario Outline: <idp> provisions Alice, who is invited
      Given <idp> has the user "alice"
      When <idp> provisions its directory
      Then an administrator sees the user "alice" invited
      And the user "alice" is active

      @entra
      Examples: Entra ID
        | idp                        |
        | Entra ID                   |
        | Entra ID in compliant mode |

      @okta
      Examples: Okta
        | idp  |
        | Okta |

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

  @idp-teams-pending @needs-admin
  Rule: A group an identity provider pushes is a pending team whose memberships wait for approval
    Cites Keeper "API Provisioning with SCIM": "New teams created by the SCIM sync are created in the “pending” state and require final approval from either the Keeper Administrator or another team member."

    @must
    Scenario Outline: <idp> pushes the group Ops with Alice, which waits for approval
      Given <idp> has the user "alice" in the group "ops"
      When <idp> provisions its directory
      Then an administrator sees the team "ops" pending
      And an administrator sees the membership of "alice" in "ops" pending

      @entra
      Examples: Entra ID
        | idp                        |
        | Entra ID                   |
        | Entra ID in compliant mode |

      @okta
      Examples: Okta
        | idp  |
        | Okta |

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

  @idp-deprovision-locks
  Rule: A user an identity provider deprovisions is locked and can still be read
    Cites Keeper "API Provisioning with SCIM": "Keeper locks the account instead of deletion to prevent data loss."

    @must
    Scenario Outline: <idp> deprovisions Alice, who is locked
      Given <idp> has provisioned the user "alice"
      When <idp> deprovisions the user "alice"
      Then the user "alice" can still be read
      And the user "alice" is inactive
      And the user "alice" is locked

      @entra
      Examples: Entra ID
        | idp                        |
        | Entra ID                   |
        | Entra ID in compliant mode |

      @okta
      Examples: Okta
        | idp  |
        | Okta |

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

  @idp-email-owned @needs-other-node @needs-admin
  Rule: A second identity provider cannot take an email another enterprise owns
    Cites Keeper "API Provisioning with SCIM": "the username of the provider maps to the Keeper user name (email address), which needs to be unique globally."

    @must
    Scenario Outline: <second> cannot provision Alice, whom <first> provisioned in another enterprise
      Given <first> has provisioned the user "alice"
      When <second> provisions the user "alice" in another enterprise
      Then <second> was refused the user "alice" as a conflict
      And an administrator sees the user "alice" invited

      @okta @jumpcloud
      Examples: Okta first, JumpCloud second
        | first | second    |
        | Okta  | JumpCloud |

      @entra @google
      Examples: Entra ID first, Google Workspace second
        | first    | second           |
        | Entra ID | Google Workspace |
