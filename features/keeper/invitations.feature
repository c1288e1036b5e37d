@keeper @lifecycle
Feature: A provisioned user is invited
  Keeper creates SCIM users in the "invited" state and sends them an invitation; the SCIM answer still shows
  active:true and the email as display name. Source: "Team and User Approvals" (users created invited); recorded
  Keeper SCIM answers (Nango keeper-scim mocks: active:true for a new user, displayName equal to the email).

  @users-invited @needs-admin
  Rule: A new user is invited until the person accepts
    Cites Keeper "API Provisioning with SCIM": "New users added by the SCIM sync are created in the “invited” state and will receive an invite to join Keeper."

    @must
    Example: A provisioned user waits for the person to accept
      When the identity provider provisions the user "alice"
      Then an administrator sees the user "alice" invited

  @invited-reads-active
  Rule: An invited user reads as active
    Level: SHOULD, not MUST: Keeper's documents do not say how an invited user reads over SCIM.

    @should
    Example: A freshly provisioned user answers active true
      When the identity provider provisions the user "alice"
      Then the answer's active is true

  @display-name-default
  Rule: Without a display name the user shows the email

    @should
    Example: A user provisioned without a display name shows the email
      When the identity provider provisions the user "dave" without a display name
      Then the answer's displayName is "{dave}"
