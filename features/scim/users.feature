@users
Feature: Users are created, read and deleted
  Source: RFC 7644 §3.3 (creating resources), §3.4.1 (retrieving a known resource), §3.6 (deleting resources)
  and RFC 7643 §4.1 (the User resource). Keeper's endpoint answers POST /Users with 201 and GET of an unknown
  id with 404 (seed: "API Provisioning with SCIM", "Using SCIM API Provisioning").

  @rfc7644 @create-user
  Rule: Creating a user answers 201 with the new resource
    Cites RFC 7644 §3.3: "When the service provider successfully creates the new resource, an HTTP response SHALL be returned with HTTP status code 201 (Created)."

    @must
    Example: Provisioning a user answers 201 with its id
      When the identity provider provisions the user "alice"
      Then the user is created

  @rfc7644 @location
  Rule: The Location header names the created resource
    Cites RFC 7644 §3.3: "The URI of the created resource SHALL include, in the HTTP "Location" header and the HTTP body, a JSON representation [RFC7159] with the attribute "meta.location"."

    @must
    Scenario Outline: Creating a <resource> answers with its location
      When the identity provider creates the <resource> "<name>"
      Then the answer's Location header names the new <resource>

      Examples:
        | resource | name  |
        | user     | alice |
        | group    | ops   |

  @rfc7644 @attributes-kept
  Rule: The service keeps the attribute values the client sent

    @should
    Scenario Outline: A provisioned user keeps its <attribute>
      When the identity provider provisions the user "alice"
      Then the answer's <attribute> is "<value>"

      Examples:
        | attribute       | value           |
        | externalId      | {alice.externalId} |
        | displayName     | Alice Smith     |
        | name.givenName  | Alice           |
        | name.familyName | Smith           |

    @should
    Example: A provisioned user keeps every email with its type and primary flag
      When the identity provider provisions the user "erin"
      Then the answer's emails.#(type=="home").value is "{erin.home}"
      And the user "erin" has exactly one primary email, "{erin}"

  @rfc7644 @advertised-attributes-kept
  Rule: Every attribute /Schemas advertises as readWrite is kept (RFC 7643 §7: the Schemas resource says which attributes the service provider supports; readWrite "MAY be updated and read at any time")

    @should
    Scenario Outline: A user provisioned with <attribute> reads it back
      When the identity provider provisions the user "alice" with <attribute> set to <value>
      Then the user is created
      And the user "alice" reads back <attribute> as <value>

      Examples:
        | attribute                                                                 | value                                                                             |
        | nickName                                                                  | "Ally"                                                                            |
        | title                                                                     | "Tax advisor"                                                                     |
        | userType                                                                  | "Employee"                                                                        |
        | profileUrl                                                                | "https://example.com/people/alice"                                                |
        | preferredLanguage                                                         | "en-GB"                                                                           |
        | locale                                                                    | "en-GB"                                                                           |
        | timezone                                                                  | "Europe/London"                                                                   |
        | name.middleName                                                           | "Jane"                                                                            |
        | name.honorificPrefix                                                      | "Ms."                                                                             |
        | name.honorificSuffix                                                      | "III"                                                                             |
        | name.formatted                                                            | "Ms. Alice J. Smith, III"                                                         |
        | phoneNumbers                                                              | [{"value": "+44 20 7946 0000", "type": "work"}]                                   |
        | ims                                                                       | [{"value": "alice@xmpp.example.com", "type": "xmpp"}]                             |
        | photos                                                                    | [{"value": "https://example.com/alice.png", "type": "photo"}]                     |
        | addresses                                                                 | [{"streetAddress": "1 Main St", "locality": "London", "country": "GB", "type": "work"}] |
        | entitlements                                                              | [{"value": "vault"}]                                                              |
        | roles                                                                     | [{"value": "auditor"}]                                                            |
        | x509Certificates                                                          | [{"value": "TUlJQg=="}]                                                           |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber | "701984"                                                                          |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter     | "4130"                                                                            |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization   | "Universal Studios"                                                               |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division       | "Theme Park"                                                                      |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department     | "Tour Operations"                                                                 |
        | urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager        | {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}                                 |

    @should
    Example: An attribute set by PATCH is read back and removed by PATCH
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "add", "path": "nickName", "value": "Ally"},
         {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tax"},
         {"op": "remove", "path": "nickName"}]
        """
      Then the request succeeds
      And the user "alice" has no nickName
      And the user "alice" reads back urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department as "Tax"

  @rfc7644 @username-required
  Rule: userName is required (RFC 7643 §4.1)
    Cites RFC 7643 §4.1.1: "Each User MUST include a non-empty userName value."

    @must
    Example: A user without a userName is refused
      When the identity provider provisions a user without a userName
      Then the answer has status 400 and scimType "invalidValue"

  @rfc7644 @keeper-differs @username-any-format
  Rule: userName takes any non-empty string (RFC 7643 §4.1.1 puts no format on it; Keeper requires an address)

    @should
    Scenario Outline: A userName like "<userName>" is accepted without an email
      When the identity provider provisions a user with the userName "<userName>" and no email
      Then the user is created
      And the answer's userName is "<userName>"

      Examples:
        | userName          |
        | {scope}.bjensen   |
        | {scope} B. Jensen |
        | {scope}.bjensen@  |

  @rfc7644 @multi-value-dedupe
  Rule: A (type, value) pair is returned once (RFC 7643 §2.4: "SHOULD NOT return the same (type, value) combination more than once")

    @should
    Example: A work email sent again, also in upper case, is kept once
      When the identity provider provisions the user "alice" with its work email repeated
      Then the user is created
      And the answer's emails hold "{alice}" of type "work" exactly once

  @rfc7644 @read-resource
  Rule: A resource can be read by its id
    Level: SHOULD, not MUST: RFC 7644 §3.4.1 ("If successful, the server responds with HTTP status code 200 (OK)") describes it without MUST.

    @should
    Scenario Outline: Reading a <resource> by its id returns it
      Given the <resource> "<name>" exists
      When the identity provider reads the <resource> "<name>"
      Then the answer is the <resource> "<name>"

      Examples:
        | resource | name  |
        | user     | alice |
        | group    | ops   |

  @rfc7644 @not-found
  Rule: An unknown id is 404 Not Found
    Level: SHOULD, not MUST: RFC 7644 Table 8 lists 404 for a resource that does not exist, without MUST (§3.6 makes it MUST only for deleted resources: see @delete-removes).

    @should
    Scenario Outline: Reading an unknown <resource> answers 404
      When the identity provider reads an unknown <resource>
      Then the answer has status 404

      Examples:
        | resource |
        | user     |
        | group    |

    @should
    Scenario Outline: <action> an unknown <resource> answers 404
      When the identity provider <verb> an unknown <resource>
      Then the answer has status 404

      Examples:
        | action    | verb     | resource |
        | Replacing | replaces | user     |
        | Deleting  | deletes  | user     |
        | Replacing | replaces | group    |
        | Deleting  | deletes  | group    |

  @rfc7644 @delete-answers-204
  Rule: A successful DELETE answers 204 No Content
    Cites RFC 7644 §3.6: "In response to a successful DELETE, the server SHALL return a successful HTTP status code 204 (No Content)."

    @must
    Scenario Outline: Deleting a <resource> answers 204
      Given the <resource> "<name>" exists
      When the identity provider deletes the <resource> "<name>"
      Then the answer has status 204

      Examples:
        | resource | name  |
        | user     | alice |
        | group    | ops   |

  @rfc7644 @keeper-differs @delete-removes
  Rule: A deleted user is gone (RFC 7644 §3.6; Keeper locks instead, see keeper/deprovisioning.feature)
    Cites RFC 7644 §3.6: "Service providers MAY choose not to permanently delete the resource but MUST return a 404 (Not Found) error code for all operations associated with the previously deleted resource."

    @must
    Example: A deleted user can no longer be read
      Given the user "alice" exists
      When the identity provider deletes the user "alice"
      Then the user "alice" can no longer be read

  @rfc7644 @keeper-differs @duplicate-username
  Rule: A second user with a userName already taken is a conflict (RFC 7644 §3.3; Keeper links instead)
    Cites RFC 7644 §3.3: "If the service provider determines that the creation of the requested resource conflicts with existing resources (e.g., a "User" resource with a duplicate "userName"), the service provider MUST return HTTP status code 409 (Conflict) with a "scimType" error code of "uniqueness""

    @must
    Example: Provisioning the same userName twice is refused
      Given the user "alice" exists
      When the identity provider provisions the user "alice" again with a new externalId
      Then the answer has status 409 and scimType "uniqueness"

    @must
    Example: A userName taken in another case is refused too
      Given the user "alice" exists
      When the identity provider provisions the user "alice" again with the address in upper case
      Then the answer has status 409 and scimType "uniqueness"

  @rfc7644 @idp-create-shapes
  Rule: A create request as the big identity providers send it is accepted

    @should
    Scenario Outline: <client> provisions a user the way it does
      When <client> provisions the user "alice"
      Then the user is created

      Examples:
        | client   |
        | Entra ID |
        | Okta     |

  @rfc7644 @user-groups
  Rule: A user's groups attribute lists the groups it belongs to (RFC 7643 §4.1.2)
    RFC 7643 §4.1.2 defines groups as "A list of groups to which the user belongs" but no MUST makes a service
    fill it (like every User attribute but userName it is optional), hence a should.

    @should
    Example: A member's groups name the group
      Given the group "ops" has the member "alice"
      When the identity provider reads the user "alice"
      Then the answer's groups lists the group "ops"
