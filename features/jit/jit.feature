@jit @keeper @needs-sp
Feature: Just-in-time provisioning through SSO
  "Enable Just-In-Time Provisioning" is on by default; a JIT user gets the node's default role and an active vault
  at once; SCIM-provisioned users "type their email and are sent to the IdP"; typing an email routes to the IdP
  "if the domain is reserved" (Keeper SSO Connect Cloud, SSO JIT Provisioning, User Provisioning and Domain
  Reservation pages). A locked user stays locked, and an address belongs to one enterprise only (global email
  uniqueness, reserved domains).

  @jit-create
  Rule: A first sign-in of an unknown person creates an active user in the SSO node
    Cites Keeper "SSO JIT (Just-in-Time) Provisioning": "The user's vault will be immediately provisioned and the user will be walked through the onboarding process"

    @must
    Example: Alice signs in for the first time
      When "alice" signs in through the identity provider
      Then "alice" is signed in
      And "alice" is an active user of the node with the node's default role

    @must
    Example: A second sign-in finds the same user
      Given "alice" has signed in through the identity provider
      When "alice" signs in at the service provider
      Then "alice" is signed in
      And exactly one user "alice" exists
      And "alice" is an active user of the node with the node's default role

  @jit-off
  Rule: With JIT off, an unknown person is refused and nothing is created
    Level: SHOULD, not MUST: Keeper documents the "Enable Just-In-Time Provisioning" switch, not what an unknown person sees with it off.

    @should
    Example: Alice is not provisioned and JIT is off
      Given JIT provisioning is off
      When "alice" signs in through the identity provider
      Then the sign-in is refused
      And no account exists for "alice"

  @jit-invited-activated
  Rule: A SCIM-invited user becomes active at the first SSO sign-in
    Level: SHOULD, not MUST: Keeper's documents say SCIM-provisioned users sign in through the IdP, not that the first sign-in changes their state.

    @should
    Example: Bob was invited through SCIM, then signs in
      Given "bob" was provisioned into the node through SCIM
      When "bob" signs in at the service provider
      Then "bob" is signed in
      And "bob" is active

  @jit-locked
  Rule: A locked user is refused
    Level: SHOULD, not MUST: Keeper's documents describe locked users but not an SSO sign-in of one.

    @should
    Example: An administrator locked Bob
      Given "bob" was provisioned into the node through SCIM
      And an administrator locked "bob"
      When "bob" signs in through the identity provider
      Then the sign-in is refused

  @jit-other-enterprise
  Rule: An address another enterprise holds is refused
    Cites Keeper "API Provisioning with SCIM": "the username of the provider maps to the Keeper user name (email address), which needs to be unique globally."

    @must @needs-other-node
    Example: Carol belongs to another enterprise
      Given "carol" is a user of another enterprise
      When "carol" signs in through the identity provider
      Then the sign-in is refused
      And the user "carol" of the other enterprise is unchanged

  @jit-one-user
  Rule: Concurrent first sign-ins create one user, and both sign in
    Level: SHOULD, not MUST: an assumption: Keeper is silent on races.
    Keeper is silent on races; a person who opens two tabs expects both to work, and one vault to exist.

    @should @assumption
    Example: Alice opens two tabs
      When "alice" signs in twice at the same time
      Then exactly one user "alice" exists
      And both sign-ins of "alice" succeed

  @jit-domain-routing
  Rule: Typing an email whose domain is reserved routes to the node's IdP
    Cites Keeper "SSO JIT (Just-in-Time) Provisioning": "If your domain is reserved to your Keeper tenant, users will be automatically routed through your identity provider"

    @must @own-enterprise
    Example: A reserved domain routes to the IdP
      Given the email domain of "dana" is reserved to the node's enterprise
      When "dana" types the email at the service provider
      Then the browser is sent to the node's identity provider

    @should @own-enterprise @assumption
    Example: A reserved domain typed in upper case routes to the IdP
      Domains are case-insensitive (RFC 5321 §2.4); Keeper does not say how a typed address is matched to a reservation.
      Given the email domain of "dana" is reserved to the node's enterprise
      When "dana" types the email with its domain in upper case at the service provider
      Then the browser is sent to the node's identity provider

  @jit-domain-unreserved
  Rule: Typing an email whose domain is not reserved routes nowhere (the master password is asked)
    Level: SHOULD, not MUST: Keeper's documents do not state what an unreserved domain does.

    @should @own-enterprise
    Example: An unreserved domain does not route
      When "erin" types the email at the service provider
      Then the browser is not sent to an identity provider

    @should @own-enterprise @assumption
    Example: A sub-domain of a reserved domain does not route
      A reservation names one domain; Keeper's documents do not say that it covers the domain's sub-domains.
      Given the email domain of "dana" is reserved to the node's enterprise
      And the email domain of "erin" is a sub-domain of the reserved domain of "dana"
      When "erin" types the email at the service provider
      Then the browser is not sent to an identity provider
