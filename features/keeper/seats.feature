@keeper @seats @own-enterprise
Feature: Provisioning needs a licensed seat
  POST /Users answers 428 Precondition Required when the "Number of licensed seats was exceeded" ("Using SCIM API
  Provisioning", POST /Users response codes).

  @seats-enforced
  Rule: A new user needs a free seat
    Cites Keeper "Using SCIM API Provisioning": POST /Users answers 428 Precondition Required, "Number of licensed seats was exceeded".

    @must
    Example: With every seat taken a new user is refused with 428
      Given every licensed seat is taken
      When the identity provider provisions the user "alice"
      Then the answer has status 428

    @should
    Example: A refused user is not created
      Given every licensed seat is taken
      When the identity provider provisions the user "alice"
      Then no user "alice" exists

  @seats-link @assumption
  Rule: Linking a user of the node needs no new seat

    @should
    Example: Provisioning an existing user again succeeds with every seat taken
      Given the user "bob" exists
      And every licensed seat is taken
      When the identity provider provisions the user "bob" again with a new externalId
      Then the answer has status 201
