@auth
Feature: Every SCIM request needs the endpoint's bearer token
  Source: RFC 7644 §2 (authentication and authorization), RFC 6750 §3 (the WWW-Authenticate challenge) and
  RFC 7644 §3.12 (error bodies); Keeper issues one bearer token per node (seed: "API Provisioning with SCIM",
  Header Authentication; "Using SCIM API Provisioning").

  @rfc7644 @token-required
  Rule: A request without valid credentials is refused with 401

    @must
    Scenario Outline: Without a token, a client that <action> is refused
      When a client without a token <action>
      Then the request is refused as unauthorised

      Examples:
        | action            |
        | lists the users   |
        | lists the groups  |
        | provisions a user |

    @must
    Example: A wrong token is refused
      When a client with a wrong token lists the users
      Then the request is refused as unauthorised

  @keeper @assumption @discovery-protected
  Rule: Discovery resources need the token too (RFC 7644 §4 lets them be public; Keeper does not say)

    @should
    Scenario Outline: Without a token, a client that <action> is refused
      When a client without a token <action>
      Then the request is refused as unauthorised

      Examples:
        | action                               |
        | reads the ServiceProviderConfig      |
        | reads the ResourceTypes              |
        | reads the Schemas                    |

  @keeper @token-per-node @needs-other-node
  Rule: A token opens only its own node's endpoint

    @must
    Example: Another node's token is refused
      When a client with another node's token lists the users
      Then the request is refused as unauthorised

  @rfc7644 @bearer-challenge
  Rule: A refusal tells the client to present a bearer token

    @should
    Example: The refusal carries a Bearer challenge
      When a client with a wrong token lists the groups
      Then the refusal challenges the client for a bearer token

  @rfc7644 @auth-error-body
  Rule: A refusal explains itself in a SCIM error body

    @should
    Example: The refusal is a SCIM error
      When a client without a token lists the users
      Then the answer is a SCIM error with status 401

  @rfc7644 @bearer-scheme-case
  Rule: The authentication scheme name is case-insensitive (RFC 7235 §2.1)

    @should
    Example: The scheme written in lower case is accepted
      When a client using the lower-case scheme "bearer" lists the users
      Then the answer has status 200
