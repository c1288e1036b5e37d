@rfc7644 @sort @needs-sort
Feature: Lists can be sorted
  Source: RFC 7644 §3.4.2.3 (sorting): sortBy names the attribute, sortOrder defaults to ascending, strings
  compare case-insensitively unless caseExact.

  Background:
    Given the users "bob", "carol" and "alice" exist

  @sorting
  Rule: sortBy and sortOrder order the list

    @should
    Example: Sorting by userName defaults to ascending
      When the identity provider lists the users of this scenario asking for "sortBy=userName"
      Then the list holds the users "alice", "bob" and "carol" in this order

    @should
    Example: Sorting by userName descending
      When the identity provider lists the users of this scenario asking for "sortBy=userName&sortOrder=descending"
      Then the list holds the users "carol", "bob" and "alice" in this order

    @should
    Example: Sorting by a sub-attribute
      When the identity provider lists the users of this scenario asking for "sortBy=name.familyName"
      Then the list holds the users "carol", "bob" and "alice" in this order

    @should
    Example: Sorting compares userNames without regard to case
      Given the user "Dave" exists
      When the identity provider lists the users of this scenario asking for "sortBy=userName"
      Then the list holds the users "alice", "bob", "carol" and "Dave" in this order

    @should
    Example: A page of a sorted list is cut after sorting
      When the identity provider lists the users of this scenario asking for "sortBy=userName&count=2"
      Then the list holds the users "alice" and "bob" in this order
