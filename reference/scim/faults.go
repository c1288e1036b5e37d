package scim

// Fault names a deliberate violation of one rule. Faults exist only so the
// conformance harness can prove, rule by rule, that its features fail
// against a server that breaks the rule; `provkit serve` has no flag for them.
type Fault string

// Faults of the SCIM layer.
const (
	FaultNoAuth              Fault = "scim-no-auth"               // accept requests without a valid token
	FaultHardDelete          Fault = "scim-hard-delete"           // DELETE /Users removes instead of locking
	FaultIgnoreExcluded      Fault = "scim-ignore-excluded"       // excludedAttributes=members ignored
	FaultPageCap             Fault = "scim-page-cap"              // pages capped at 2000 instead of 1000
	FaultWrongTotal          Fault = "scim-wrong-total"           // totalResults counts the page, not all matches
	FaultIgnoreFilter        Fault = "scim-ignore-filter"         // filter parameter ignored
	FaultIgnoreActive        Fault = "scim-ignore-active"         // active in PATCH/PUT ignored
	FaultBadErrorBody        Fault = "scim-bad-error-body"        // error bodies without schemas, status a number
	FaultStartIndexZeroBased Fault = "scim-start-index-zero"      // startIndex treated as 0-based
	FaultIgnoreIfMatch       Fault = "scim-ignore-if-match"       // If-Match not checked
	FaultFilterCaseSensitive Fault = "scim-filter-case-sensitive" // userName eq compared case-sensitively
	FaultLenientQuery        Fault = "scim-lenient-query"         // a query that does not parse is read in part (its filter dropped)
	FaultNoAllow             Fault = "scim-no-allow"              // 405 answers without an Allow header
	FaultMeNotFound          Fault = "scim-me-not-found"          // /Me answers 404 instead of 501
	FaultDuplicateValues     Fault = "scim-duplicate-values"      // repeated (type, value) pairs are kept and echoed
	FaultNoSearch            Fault = "scim-no-search"             // POST /.search answers 404
	FaultDropAttributes      Fault = "scim-drop-attributes"       // attributes without a field of their own (nickName, ...) are dropped
)

// Faults is a set of faults.
type Faults []Fault

// Has reports whether f is switched on.
func (fs Faults) Has(f Fault) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
