@rfc7644 @etag @needs-etag
Feature: Versions protect against lost updates
  Source: RFC 7644 §3.14 (versioning resources): a weak ETag equal to meta.version, If-Match on changes with
  412 Precondition Failed on a mismatch, If-None-Match on reads with 304 Not Modified.

  @if-match
  Rule: A change carrying a stale version is refused with 412
    Cites RFC 7232 §3.1: "An origin server MUST NOT perform the requested method if a received If-Match condition evaluates to false"

    @must
    Scenario Outline: <action> with a stale version is refused
      Given the <resource> "<name>" changed after the identity provider read it
      When the identity provider <verb> the <resource> "<name>" with a stale version
      Then the answer has status 412

      Examples:
        | action              | resource | name  | verb     |
        | Replacing a user    | user     | alice | replaces |
        | Patching a user     | user     | alice | patches  |
        | Deleting a user     | user     | alice | deletes  |
        | Patching a group    | group    | ops   | patches  |
        | Replacing a group   | group    | ops   | replaces |

  @if-match-current
  Rule: A change carrying the current version is applied
    Cites RFC 7232 §3.1: "An origin server that receives an If-Match header field MUST evaluate the condition prior to performing the method"

    @must
    Example: Patching with the current version succeeds
      Given the user "alice" exists
      When the identity provider patches the user "alice" with its current version
      Then the request succeeds

    @should
    Example: Patching with If-Match * succeeds
      Given the user "alice" exists
      When the identity provider patches the user "alice" with If-Match *
      Then the request succeeds

  @etag-header
  Rule: A read answers the version as a weak ETag

    @should
    Example: The ETag of a read equals meta.version
      Given the user "alice" exists
      When the identity provider reads the user "alice"
      Then the answer carries an ETag equal to its meta.version

    @should
    Example: The ETag of a replace answer equals its meta.version
      Given the user "alice" exists
      When the identity provider replaces the user "alice" with the display name "Alice Liddell"
      Then the answer carries an ETag equal to its meta.version

  @if-none-match
  Rule: A read with the current version answers 304

    @should
    Example: Reading again with the current version answers 304
      Given the user "alice" exists
      When the identity provider reads the user "alice" again with its current version
      Then the answer has status 304

    @should
    Example: Reading a group again with its current version answers 304
      Given the group "ops" exists
      When the identity provider reads the group "ops" again with its current version
      Then the answer has status 304

    @should
    Example: Reading with an old version answers the resource
      Given the user "alice" changed after the identity provider read it
      When the identity provider reads the user "alice" with a stale version
      Then the answer is the user "alice"

  @version-changes
  Rule: A change gives the resource a new version
    Level: SHOULD, not MUST: RFC 7643 §3.1 and RFC 7232 §2.3 describe a version as a validator of the representation but state no MUST that it changes; clients relying on If-Match need it to.

    @should
    Example: Patching a user changes its version
      Given the user "alice" exists
      When the identity provider patches the user "alice" with:
        """
        [{"op": "replace", "path": "displayName", "value": "Alice Liddell"}]
        """
      Then the user "alice" has a new version

    @should
    Example: Replacing a user changes its version
      Given the user "alice" exists
      When the identity provider replaces the user "alice" with the display name "Alice Liddell"
      Then the user "alice" has a new version

    @should
    Example: Adding a member changes the group's version
      Given the user "alice" exists
      And the group "ops" exists
      When the identity provider patches the group "ops" with:
        """
        [{"op": "add", "path": "members", "value": [{"value": "{alice.id}"}]}]
        """
      Then the group "ops" has a new version
