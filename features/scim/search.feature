@rfc7644 @filter @needs-filter
Feature: A query can be sent as POST /.search
  Source: RFC 7644 §3.4.3 (querying resources using HTTP POST): a client may send the query of a GET in a
  SearchRequest body (filter, attributes, excludedAttributes, sortBy, sortOrder, startIndex, count) to
  /Users/.search, /Groups/.search or, for every resource type, /.search, and "the results of the query SHALL be
  returned in the same format as a GET". Clients choose POST to keep filters with personal data out of URLs and
  logs, so a server is expected to take it.

  Background:
    Given the users "alice" and "bob" exist
    And the group "ops" has the member "alice"

  @search-post
  Rule: POST /.search answers the query of its SearchRequest body as a GET would

    @should
    Example: Searching the users with a filter
      When the identity provider searches the users with:
        """
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
         "filter": "userName eq \"{alice}\"", "startIndex": 1, "count": 10}
        """
      Then the list holds exactly the user "alice"
      And the answer is a list response with totalResults, itemsPerPage and startIndex

    @should
    Example: Searching the groups, leaving the members out
      When the identity provider searches the groups with:
        """
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
         "filter": "displayName eq \"{ops}\"", "excludedAttributes": ["members"]}
        """
      Then the list holds exactly the group "ops"
      And no listed resource has members

    @should
    Example: Searching with a sort order and a page size
      When the identity provider searches the users with:
        """
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
         "filter": "userName sw \"{scope}.\"", "sortBy": "userName", "sortOrder": "descending", "count": 1}
        """
      Then the list holds the users "bob" in this order
      And the list reports 2 results in total

    @should
    Example: Searching every resource type from the root
      When the identity provider searches every resource type with:
        """
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
         "filter": "externalId sw \"{scope}-\""}
        """
      Then the list holds exactly the user "alice"
      And the list holds exactly the group "ops"
