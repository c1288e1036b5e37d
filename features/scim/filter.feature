@rfc7644 @filter @needs-filter
Feature: Filters select the resources a list returns
  Source: RFC 7644 §3.4.2.2 (filtering): every attribute operator (eq, ne, co, sw, ew, pr, gt, ge, lt, le), the
  logical operators and, or, not with grouping and precedence, value paths, case rules and the invalidFilter
  error. Keeper supports filters on users ("Using SCIM API Provisioning"); Entra ID and Okta match users and
  groups with eq filters.

  Background:
    Given the users "alice", "bob" and "carol" exist
    And the user "bob" is deactivated

  @filter-operators
  Rule: Each operator selects exactly the matching users
    Cites RFC 7644 §3.4.2.2: "When specified, only those resources matching the filter expression SHALL be returned."

    @must
    Scenario Outline: Filtering with <operator>
      When the identity provider lists users with the filter <filter>
      Then the list holds exactly the users <expected>

      Examples:
        | operator                          | filter                                                              | expected              |
        | eq                                | userName eq "{alice}"                                               | "alice"               |
        | ne                                | userName sw "{scope}." and userName ne "{alice}"                    | "bob" and "carol"     |
        | co                                | userName co "{scope}.ca"                                            | "carol"               |
        | sw                                | userName sw "{scope}.b"                                             | "bob"                 |
        | ew                                | userName sw "{scope}." and externalId ew "-c3"                      | "carol"               |
        | pr                                | userName sw "{scope}." and externalId pr                            | "alice" and "carol"   |
        | gt on a string                    | userName sw "{scope}." and userName gt "{bob}"                      | "carol"               |
        | ge on a string                    | userName sw "{scope}." and userName ge "{bob}"                      | "bob" and "carol"     |
        | lt on a string                    | userName sw "{scope}." and userName lt "{bob}"                      | "alice"               |
        | le on a string                    | userName sw "{scope}." and userName le "{bob}"                      | "alice" and "bob"     |
        | eq on a boolean                   | userName sw "{scope}." and active eq false                          | "bob"                 |
        | and                               | name.givenName eq "Carol" and name.familyName eq "Adams"            | "carol"               |
        | or                                | userName eq "{alice}" or userName eq "{carol}"                      | "alice" and "carol"   |
        | not                               | userName sw "{scope}." and not (userName eq "{alice}")              | "bob" and "carol"     |
        | and binding tighter than or       | userName eq "{alice}" or userName eq "{bob}" and active eq false    | "alice" and "bob"     |
        | parentheses                       | (userName eq "{alice}" or userName eq "{bob}") and active eq false  | "bob"                 |
        | a value path                      | emails[type eq "work" and value co "{scope}."]                      | "alice" and "carol"   |
        | a sub-attribute                   | userName sw "{scope}." and name.familyName eq "Jones"               | "bob"                 |
        | a multi-valued sub-attribute      | emails.value eq "{carol}"                                           | "carol"               |
        | an attribute name in upper case   | USERNAME eq "{alice}"                                               | "alice"               |
        | an operator in upper case         | userName EQ "{alice}"                                               | "alice"               |
        | co inside the value               | userName sw "{scope}." and displayName co "ol"                      | "carol"               |
        | co in another case                | userName sw "{scope}." and displayName co "OL"                      | "carol"               |
        | sw on a letter found elsewhere    | userName sw "{scope}." and name.familyName sw "s"                   | "alice"               |
        | ew on a letter found elsewhere    | userName sw "{scope}." and name.familyName ew "S"                   | "bob" and "carol"     |
        | eq on a prefix of a value         | userName sw "{scope}." and displayName eq "Bob"                     | "nobody"              |
        | ne in another case                | userName sw "{scope}." and userName ne "{ALICE}"                    | "bob" and "carol"     |
        | gt in another case                | userName sw "{scope}." and userName gt "{BOB}"                      | "carol"               |
        | a multi-valued sub-attribute in another case | emails.value eq "{CAROL}"                                | "carol"               |
        | a caseExact attribute in another case | userName sw "{scope}." and (externalId eq "{scope}-A1" or name.familyName eq "Jones") | "bob" |
        | a sub-attribute name in another case | userName sw "{scope}." and name.FAMILYNAME eq "Jones"            | "bob"                 |

    @must
    Example: Both tests of a value filter hold on the same email
      Given the user "erin" exists
      When the identity provider lists users with the filter emails[type eq "home" and value co "{scope}."]
      Then the list holds exactly the users "bob"

    @must
    Example: Filtering with gt on a date
      Given the user "dave" is provisioned more than a second after the others
      When the identity provider lists users with the filter userName sw "{scope}." and meta.created gt "{carol.created}"
      Then the list holds exactly the users "dave"

  @filter-value-case
  Rule: userName is compared case-insensitively (caseExact is false, RFC 7643 §4.1.1)
    Cites RFC 7644 §3.4.2.2: "When specified, only those resources matching the filter expression SHALL be returned." (userName matches case-insensitively: RFC 7643 §4.1.1, caseExact false)

    @must
    Example: A userName in another case still matches
      When the identity provider lists users with the filter userName eq "{ALICE}"
      Then the list holds exactly the users "alice"

  @filter-groups
  Rule: Groups are filtered like users
    Cites RFC 7644 §3.4.2.2: "When specified, only those resources matching the filter expression SHALL be returned."

    @must
    Scenario Outline: Filtering groups by <attribute>
      Given the group "ops" has the member "alice"
      And the group "dev" has the member "bob"
      When the identity provider lists groups with the filter <filter>
      Then the list holds exactly the groups "ops"

      Examples:
        | attribute   | filter                               |
        | displayName | displayName eq "{ops}"               |
        | externalId  | externalId eq "{ops.externalId}"     |
        | members     | members[value eq "{alice.id}"]       |
        | displayName in another case | displayName eq "{OPS}" |

  @filter-invalid
  Rule: A filter that does not parse is refused with invalidFilter
    Level: SHOULD, not MUST: RFC 7644 Table 9 lists invalidFilter for a filter that does not parse, but no sentence says MUST; what clients rely on.

    @should
    Scenario Outline: A filter with <problem> is refused
      When the identity provider lists users with the filter <filter>
      Then the answer has status 400 and scimType "invalidFilter"

      Examples:
        | problem                       | filter                  |
        | an unknown operator           | userName xx "a"         |
        | no value                      | userName eq             |
        | an unbalanced parenthesis     | (userName eq "a"        |
        | an unterminated string        | userName eq "abc        |
        | gt on a boolean               | active gt true          |

  @query-unparsable
  Rule: A query string that does not parse is refused, never answered without its filter
    RFC 7644 §3.4.2.2 answers a filter it cannot read with 400 invalidFilter; a query whose filter cannot be
    decoded (RFC 3986 §2.1 percent-encoding, the WHATWG form encoding of '&'-separated parameters) is such a
    filter. A server that skips the undecodable parameter answers the unfiltered list, and an IdP that takes the
    first result links the wrong account, and so does a server that reads only its first so many parameters (PHP's
    max_input_vars and express's query parser stop at 1,000) when the filter comes after them. Judged by the
    outcome: a client error (400 invalidFilter, or 414 URI Too Long or 431 for the many parameters) is right, and so
    is the list the readable filter selects; a wider list is not.
    Level: SHOULD, not MUST: RFC 7644 Table 9 names invalidFilter for a filter that cannot be read, without MUST.

    @should
    Scenario Outline: A filter followed by <problem> never widens the answer
      When the identity provider lists users with the raw text "<raw>" after the filter userName eq "{alice}"
      Then the query is refused with a client error, or the list holds exactly the users "alice"

      Examples:
        | problem                    | raw          |
        | an unescaped percent sign  | 100%         |
        | a malformed escape         | %zz          |
        | an unescaped semicolon     | ;active=true |

    @should
    Example: A filter among more parameters than the server reads never widens the answer
      When the identity provider lists users with 10000 query parameters besides the filter userName eq "{alice}"
      Then the query is refused with a client error, or the list holds exactly the users "alice"

    @should
    Example: A filter after a thousand other parameters never widens the answer
      When the identity provider lists users with 1000 query parameters before the filter userName eq "{alice}"
      Then the query is refused with a client error, or the list holds exactly the users "alice"

  @filter-no-match
  Rule: A filter that matches nothing answers an empty list, not an error
    Cites RFC 7644 §3.4.2: "A query that does not return any matches SHALL return success with "totalResults" set to a value of 0."

    @must
    Example: Entra ID's connection test looks up a user that does not exist
      When the identity provider lists users with the filter externalId eq "{scope}-no-such-user"
      Then the list reports 0 results in total
