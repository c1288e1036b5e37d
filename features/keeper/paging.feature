@keeper @paging @needs-admin @large
Feature: A page holds at most 1000 resources
  Keeper answers lists in pages of at most 1000 resources, 1000 when count is not given. Source: the project's
  seed brief ("1000-entry pages"); Keeper's own clients page with count=500 (Commander scim push); a third party
  reports "default page size of 100 and a maximum of 1000" (stitchflow, unverified; see idp-clients.md §3.7).
  These scenarios share one node of 1001 users that the suite creates once per run through the admin API.

  @keeper-page-size
  Rule: Pages are capped at 1000 resources
    Cites Keeper "API Provisioning with SCIM": "By default, Keeper SCIM API will only return the first 1000 entries for queries that yield large result sets."

    @must
    Example: Without count a page holds 1000 users
      Given the node holds more than 1000 users
      When the identity provider lists users asking for "startIndex=1"
      Then the page holds 1000 resources

    @must
    Example: A count above 1000 is capped at 1000
      Given the node holds more than 1000 users
      When the identity provider lists users asking for "count=5000"
      Then the page holds 1000 resources
