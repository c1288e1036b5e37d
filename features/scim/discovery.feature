@rfc7644 @discovery
Feature: The service describes itself
  Source: RFC 7644 §4 (service provider configuration endpoints) and RFC 7643 §5 (ServiceProviderConfig),
  §6 (ResourceTypes) and §7 (Schemas). Keeper publishes the same endpoints (seed: "Using SCIM API
  Provisioning", "SCIM related endpoints/GET"); Microsoft Entra ID reads /Schemas when an app is configured.

  @spc
  Rule: ServiceProviderConfig states what the service supports
    Cites RFC 7644 §4: "This endpoint SHALL return responses with a JSON object using a "schemas" attribute of "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"."

    @must
    Example: ServiceProviderConfig names its schema
      When the identity provider reads the ServiceProviderConfig
      Then the answer's schemas lists "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"

    @must
    Scenario Outline: ServiceProviderConfig says whether <feature> is supported
      When the identity provider reads the ServiceProviderConfig
      Then the answer's <feature>.supported is a boolean

      Examples:
        | feature        |
        | patch          |
        | bulk           |
        | filter         |
        | changePassword |
        | sort           |
        | etag           |

    @must
    Example: ServiceProviderConfig lists how clients authenticate
      When the identity provider reads the ServiceProviderConfig
      Then the answer's authenticationSchemes.0.type is not empty

    @must
    Example: ServiceProviderConfig says how many resources a filtered list returns at most
      When the identity provider reads the ServiceProviderConfig
      Then the answer's filter.maxResults is a positive number

  @resource-types
  Rule: ResourceTypes lists the resources and where they live
    Cites RFC 7644 §4: "When returning multiple ResourceTypes or Schemas, the message form described by the "urn:ietf:params:scim:api:messages:2.0:ListResponse" (ListResponse) form SHALL be used"

    @must
    Scenario Outline: ResourceTypes declares the <type> resource at <endpoint>
      When the identity provider reads the ResourceTypes
      Then the resource type "<type>" is served at "<endpoint>"

      Examples:
        | type  | endpoint |
        | User  | /Users   |
        | Group | /Groups  |

    @should
    Example: A single resource type can be read by its id
      When the identity provider reads the resource type "User"
      Then the answer's schema is "urn:ietf:params:scim:schemas:core:2.0:User"

  @schemas
  Rule: Schemas describes every attribute the service knows
    Cites RFC 7644 §4: "An HTTP GET to the endpoint "/Schemas" SHALL return all supported schemas in ListResponse format"

    @must
    Scenario Outline: Schemas describes the <name> schema
      When the identity provider reads the Schemas
      Then the schema "<urn>" is described

      Examples:
        | name  | urn                                         |
        | User  | urn:ietf:params:scim:schemas:core:2.0:User  |
        | Group | urn:ietf:params:scim:schemas:core:2.0:Group |

    @must
    Example: The User schema marks userName as required
      When the identity provider reads the schema "urn:ietf:params:scim:schemas:core:2.0:User"
      Then the schema's attribute "userName" is required

    @should
    Example: The Group schema describes members
      When the identity provider reads the schema "urn:ietf:params:scim:schemas:core:2.0:Group"
      Then the schema's attribute "members" is multi-valued

    @must
    Example: Schemas answers a list response
      When the identity provider reads the Schemas
      Then the answer's schemas lists "urn:ietf:params:scim:api:messages:2.0:ListResponse"
