@rfc7644 @paging
Feature: Lists are paged with startIndex and count
  Source: RFC 7644 §3.4.2.4 (pagination) and §3.4.2 (the ListResponse). Keeper supports "pagination by using
  startIndex and count" ("Using SCIM API Provisioning"); Keeper's own clients page with startIndex += itemsPerPage
  and refuse a list without totalResults, itemsPerPage and startIndex (Commander scim push, ksm-google-scim).

  Background:
    Given 5 users of this scenario exist

  @paging-window
  Rule: startIndex is 1-based and count sets the page size
    Cites RFC 7644 §3.4.2.4: "startIndex: The 1-based index of the first query result. A value less than 1 SHALL be interpreted as 1."

    @must
    Example: Walking the pages returns every user exactly once
      When the identity provider walks the users of this scenario in pages of 2
      Then every user of this scenario was listed exactly once

    @must
    Example: A page starts at the index asked for
      When the identity provider lists the users of this scenario asking for "startIndex=3&count=2"
      Then the page holds entries 3 to 4 of the full list

    @must
    Example: A start index below 1 counts as 1
      When the identity provider lists the users of this scenario asking for "startIndex=0&count=2"
      Then the page is the one at startIndex 1

    @must
    Example: Groups are paged the same way
      Given 5 groups of this scenario exist
      When the identity provider walks the groups of this scenario in pages of 2
      Then every group of this scenario was listed exactly once

  @paging-total
  Rule: totalResults counts every match, whatever the page
    Cites RFC 7644 §3.4.2: "totalResults: The total number of results returned by the list or query operation. [...] REQUIRED."

    @must
    Example: A page of 2 reports the full total
      When the identity provider lists the users of this scenario asking for "startIndex=1&count=2"
      Then the list reports 5 results in total

    @must
    Example: count=0 answers only the total
      When the identity provider lists the users of this scenario asking for "count=0"
      Then the list reports 5 results in total
      And the page holds 0 resources

    @must
    Example: A negative count counts as 0
      When the identity provider lists the users of this scenario asking for "count=-1"
      Then the list reports 5 results in total
      And the page holds 0 resources

    @should
    Example: A start index past the end answers an empty page with the total
      When the identity provider lists the users of this scenario asking for "startIndex=50&count=10"
      Then the list reports 5 results in total
      And the page holds 0 resources

  @list-response
  Rule: A list answer is a ListResponse with its paging fields
    Cites RFC 7644 §3.4.2: "Responses MUST be identified using the following URI: "urn:ietf:params:scim:api:messages:2.0:ListResponse"."

    @must
    Example: A list answer carries the ListResponse schema and its paging fields
      When the identity provider lists the users of this scenario asking for "count=2"
      Then the answer is a list response with totalResults, itemsPerPage and startIndex

    @must
    Example: Listed users carry their attributes
      When the identity provider lists the users of this scenario asking for ""
      Then the listed user "user1" has name.familyName "Example"
      And the listed user "user1" has emails.0.value "{user1}"

    @must
    Example: Listed groups carry their members
      Given the group "ops" has the member "user1"
      When the identity provider lists the groups of this scenario asking for ""
      Then the listed group "ops" has members.0.value "{user1.id}"
