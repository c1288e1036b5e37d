// Package schema holds the SCIM 2.0 schema model of the reference server
// (RFC 7643): attribute definitions of the User, Enterprise User and Group
// schemas, their resource types, attribute resolution (case-insensitive, dotted
// and URN-qualified names), input normalisation of POST/PUT bodies and of
// single PATCH values, projection (attributes / excludedAttributes with the
// "returned" rules) and the discovery documents (ServiceProviderConfig,
// ResourceTypes, Schemas).
//
// # Resource representation
//
// Resources are handled as map[string]any as decoded by encoding/json:
//
//   - core attributes (including the common attributes id, externalId and
//     meta of RFC 7643 §3.1) sit at the top level under their canonical
//     names ("userName", "name", "emails", ...);
//   - extension attributes sit in a nested object under a key equal to the
//     extension's schema URN, e.g.
//     {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
//     {"employeeNumber": "42"}};
//   - "schemas" is a top-level []any of URN strings;
//   - complex values are map[string]any with canonical sub-attribute names,
//     multi-valued attributes are []any;
//   - numbers may be float64 or json.Number (both are accepted everywhere),
//     booleans are bool, dateTime/binary/reference values are strings;
//   - an absent key, a JSON null and an empty array all mean "unassigned"
//     (RFC 7643 §2.5); Normalize drops nulls and empty arrays.
//
// Attribute names are case-insensitive everywhere (RFC 7643 §2.1): Lookup,
// SplitURN, GetFold, Normalize and Project accept any spelling and work with
// the canonical one. Normalize returns canonical names, so code reading a
// normalised resource may use plain map indexing; code reading client input
// should use GetFold.
//
// The definitions (User, EnterpriseUser, Group, CommonAttributes, UserType,
// GroupType) are shared and must be treated as read-only. Every function of
// the package is safe for concurrent use. Name indexes are built at init, so
// Lookup and SplitURN do not allocate, and Project and Wants allocate only
// their result and the parsed attribute lists.
package schema

// Type is an attribute's data type (RFC 7643 §2.3).
type Type string

// Attribute data types.
const (
	String    Type = "string"
	Boolean   Type = "boolean"
	Decimal   Type = "decimal"
	Integer   Type = "integer"
	DateTime  Type = "dateTime"
	Binary    Type = "binary"
	Reference Type = "reference"
	Complex   Type = "complex"
)

// Attribute is one attribute definition (RFC 7643 §7).
type Attribute struct {
	Name            string       `json:"name"`
	Type            Type         `json:"type"`
	MultiValued     bool         `json:"multiValued"`
	Description     string       `json:"description,omitempty"`
	Required        bool         `json:"required"`
	CaseExact       bool         `json:"caseExact"`
	Mutability      string       `json:"mutability"` // readOnly, readWrite, immutable, writeOnly
	Returned        string       `json:"returned"`   // always, never, default, request
	Uniqueness      string       `json:"uniqueness"` // none, server, global
	CanonicalValues []string     `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string     `json:"referenceTypes,omitempty"`
	SubAttributes   []*Attribute `json:"subAttributes,omitempty"`
}

// Schema is one schema (core or extension).
type Schema struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Attributes  []*Attribute `json:"attributes"`
}

// ResourceType is a resource type with its core schema and extensions
// (RFC 7643 §6). A ResourceType must not be modified after its first use:
// its name index is built once.
type ResourceType struct {
	ID          string    // "User", "Group"
	Name        string    // "User", "Group"
	Endpoint    string    // "/Users", "/Groups"
	Description string    // "User Account", "Group"
	Schema      *Schema   // core schema
	Extensions  []*Schema // schema extensions (not required)

	ix *rtIndex // built at init for the package's resource types, else lazily
}

// Common URNs.
const (
	UserURN           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListResponseURN   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpURN        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorURN          = "urn:ietf:params:scim:api:messages:2.0:Error"
	SPConfigURN       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)
