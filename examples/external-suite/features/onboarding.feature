@onboarding
Feature: Our onboarding rules
  Our own rules, written with provkit's step phrases (docs/steps.md) and run against our SCIM endpoint.

  Rule: A provisioned user can be found by its userName

    Example: The identity provider finds Alice after provisioning her
      Given the user "alice" exists
      And the user "bob" exists
      When the identity provider lists users with the filter userName eq "{alice}"
      Then the list holds exactly the users "alice"
