package schema

// Attribute characteristics (RFC 7643 §2.2, §7).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"

	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"

	UniqueNone   = "none"
	UniqueServer = "server"
	UniqueGlobal = "global"
)

// attrOpt sets one characteristic of an attribute under construction.
type attrOpt func(*Attribute)

// newAttr returns an attribute with the RFC 7643 §2.2 defaults
// (single-valued, optional, caseExact false, readWrite, returned default,
// uniqueness none) changed by opts.
func newAttr(name string, t Type, desc string, opts ...attrOpt) *Attribute {
	a := &Attribute{
		Name:        name,
		Type:        t,
		Description: desc,
		Mutability:  ReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniqueNone,
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

func multi(a *Attribute)     { a.MultiValued = true }
func required(a *Attribute)  { a.Required = true }
func caseExact(a *Attribute) { a.CaseExact = true }

func mutability(m string) attrOpt { return func(a *Attribute) { a.Mutability = m } }
func returned(r string) attrOpt   { return func(a *Attribute) { a.Returned = r } }
func uniqueness(u string) attrOpt { return func(a *Attribute) { a.Uniqueness = u } }
func canonical(v ...string) attrOpt {
	return func(a *Attribute) { a.CanonicalValues = v }
}
func refTypes(v ...string) attrOpt { return func(a *Attribute) { a.ReferenceTypes = v } }
func subs(s ...*Attribute) attrOpt { return func(a *Attribute) { a.SubAttributes = s } }

// multiValuedSubs returns the usual sub-attributes of a multi-valued complex
// attribute of RFC 7643 §4.1.2 (value, display, type, primary), the value
// having type valueType.
func multiValuedSubs(valueType Type, valueDesc, typeDesc string, canonicalTypes []string, valueOpts ...attrOpt) []*Attribute {
	typeOpts := []attrOpt{}
	if len(canonicalTypes) > 0 {
		typeOpts = append(typeOpts, canonical(canonicalTypes...))
	}
	return []*Attribute{
		newAttr("value", valueType, valueDesc, valueOpts...),
		newAttr("display", String, "A human-readable name, primarily used for display purposes."),
		newAttr("type", String, typeDesc, typeOpts...),
		newAttr("primary", Boolean, "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once."),
	}
}

// CommonAttributes are the attributes every resource has (RFC 7643 §3.1): id,
// externalId and meta. By the RFC's convention they are not listed in the
// Schemas documents, but Lookup resolves them under the core schema.
var CommonAttributes = []*Attribute{
	newAttr("id", String, "A unique identifier for a SCIM resource as defined by the service provider.",
		required, caseExact, mutability(ReadOnly), returned(ReturnedAlways), uniqueness(UniqueServer)),
	newAttr("externalId", String, "A String that is an identifier for the resource as defined by the provisioning client.",
		caseExact),
	newAttr("meta", Complex, "A complex attribute containing resource metadata.",
		mutability(ReadOnly), subs(
			newAttr("resourceType", String, "The name of the resource type of the resource.",
				caseExact, mutability(ReadOnly)),
			newAttr("created", DateTime, "The DateTime that the resource was added to the service provider.",
				mutability(ReadOnly)),
			newAttr("lastModified", DateTime, "The most recent DateTime that the details of this resource were updated at the service provider.",
				mutability(ReadOnly)),
			newAttr("location", Reference, "The URI of the resource being returned.",
				caseExact, mutability(ReadOnly), refTypes("uri")),
			newAttr("version", String, "The version of the resource being returned.",
				caseExact, mutability(ReadOnly)),
		)),
}

// User is the core User schema (RFC 7643 §4.1, §8.7.1).
var User = &Schema{
	ID:          UserURN,
	Name:        "User",
	Description: "User Account",
	Attributes: []*Attribute{
		newAttr("userName", String, "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
			required, uniqueness(UniqueServer)),
		newAttr("name", Complex, "The components of the user's real name.", subs(
			newAttr("formatted", String, "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III')."),
			newAttr("familyName", String, "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III')."),
			newAttr("givenName", String, "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III')."),
			newAttr("middleName", String, "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III')."),
			newAttr("honorificPrefix", String, "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III')."),
			newAttr("honorificSuffix", String, "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III')."),
		)),
		newAttr("displayName", String, "The name of the User, suitable for display to end-users."),
		newAttr("nickName", String, "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'."),
		newAttr("profileUrl", Reference, "A fully qualified URL pointing to a page representing the User's online profile.",
			refTypes("external")),
		newAttr("title", String, "The user's title, such as \"Vice President\"."),
		newAttr("userType", String, "Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used."),
		newAttr("preferredLanguage", String, "Indicates the User's preferred written or spoken language, e.g., 'en-US'."),
		newAttr("locale", String, "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
		newAttr("timezone", String, "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
		newAttr("active", Boolean, "A Boolean value indicating the User's administrative status."),
		newAttr("password", String, "The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
			mutability(WriteOnly), returned(ReturnedNever)),
		newAttr("emails", Complex, "Email addresses for the user. Canonical type values of 'work', 'home', and 'other'.", multi,
			subs(multiValuedSubs(String, "Email address for the user.",
				"A label indicating the attribute's function, e.g., 'work' or 'home'.",
				[]string{"work", "home", "other"})...)),
		newAttr("phoneNumbers", Complex, "Phone numbers for the User. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.", multi,
			subs(multiValuedSubs(String, "Phone number of the User.",
				"A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
				[]string{"work", "home", "mobile", "fax", "pager", "other"})...)),
		newAttr("ims", Complex, "Instant messaging addresses for the User.", multi,
			subs(multiValuedSubs(String, "Instant messaging address for the User.",
				"A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
				[]string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"})...)),
		newAttr("photos", Complex, "URLs of photos of the User.", multi,
			subs(multiValuedSubs(Reference, "URL of a photo of the User.",
				"A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
				[]string{"photo", "thumbnail"}, refTypes("external"))...)),
		newAttr("addresses", Complex, "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.", multi, subs(
			newAttr("formatted", String, "The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines."),
			newAttr("streetAddress", String, "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines."),
			newAttr("locality", String, "The city or locality component."),
			newAttr("region", String, "The state or region component."),
			newAttr("postalCode", String, "The zip code or postal code component."),
			newAttr("country", String, "The country name component."),
			newAttr("type", String, "A label indicating the attribute's function, e.g., 'work' or 'home'.",
				canonical("work", "home", "other")),
			newAttr("primary", Boolean, "A Boolean value indicating the 'primary' or preferred address. The primary attribute value 'true' MUST appear no more than once."),
		)),
		newAttr("groups", Complex, "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
			multi, mutability(ReadOnly), subs(
				newAttr("value", String, "The identifier of the User's group.", mutability(ReadOnly)),
				newAttr("$ref", Reference, "The URI of the corresponding 'Group' resource to which the user belongs.",
					mutability(ReadOnly), refTypes("User", "Group")),
				newAttr("display", String, "A human-readable name, primarily used for display purposes.", mutability(ReadOnly)),
				newAttr("type", String, "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
					mutability(ReadOnly), canonical("direct", "indirect")),
			)),
		newAttr("entitlements", Complex, "A list of entitlements for the User that represent a thing the User has.", multi,
			subs(multiValuedSubs(String, "The value of an entitlement.",
				"A label indicating the attribute's function.", nil)...)),
		newAttr("roles", Complex, "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.", multi,
			subs(multiValuedSubs(String, "The value of a role.",
				"A label indicating the attribute's function.", nil)...)),
		newAttr("x509Certificates", Complex, "A list of certificates issued to the User.", multi,
			subs(multiValuedSubs(Binary, "The value of an X.509 certificate.",
				"A label indicating the attribute's function.", nil, caseExact)...)),
	},
}

// EnterpriseUser is the Enterprise User extension schema (RFC 7643 §4.3,
// §8.7.1).
var EnterpriseUser = &Schema{
	ID:          EnterpriseUserURN,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []*Attribute{
		newAttr("employeeNumber", String, "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
		newAttr("costCenter", String, "Identifies the name of a cost center."),
		newAttr("organization", String, "Identifies the name of an organization."),
		newAttr("division", String, "Identifies the name of a division."),
		newAttr("department", String, "Identifies the name of a department."),
		newAttr("manager", Complex, "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.", subs(
			newAttr("value", String, "The id of the SCIM resource representing the User's manager."),
			newAttr("$ref", Reference, "The URI of the SCIM resource representing the User's manager.",
				refTypes("User")),
			newAttr("displayName", String, "The displayName of the User's manager.",
				mutability(ReadOnly)),
		)),
	},
}

// Group is the core Group schema (RFC 7643 §4.2, §8.7.1). displayName is
// required as §4.2 says (the §8.7.1 listing has "required": false).
var Group = &Schema{
	ID:          GroupURN,
	Name:        "Group",
	Description: "Group",
	Attributes: []*Attribute{
		newAttr("displayName", String, "A human-readable name for the Group. REQUIRED.", required),
		newAttr("members", Complex, "A list of members of the Group.", multi, subs(
			newAttr("value", String, "Identifier of the member of this Group.", mutability(Immutable)),
			newAttr("$ref", Reference, "The URI corresponding to a SCIM resource that is a member of this Group.",
				mutability(Immutable), refTypes("User", "Group")),
			newAttr("display", String, "A human-readable name, primarily used for display purposes.",
				mutability(Immutable)),
			newAttr("type", String, "A label indicating the type of resource, e.g., 'User' or 'Group'.",
				mutability(Immutable), canonical("User", "Group")),
		)),
	},
}

// UserType is the User resource type: core schema User, optional extension
// EnterpriseUser.
var UserType = &ResourceType{
	ID:          "User",
	Name:        "User",
	Endpoint:    "/Users",
	Description: "User Account",
	Schema:      User,
	Extensions:  []*Schema{EnterpriseUser},
}

// GroupType is the Group resource type (no extension).
var GroupType = &ResourceType{
	ID:          "Group",
	Name:        "Group",
	Endpoint:    "/Groups",
	Description: "Group",
	Schema:      Group,
}

// resourceTypes and allSchemas list what the discovery endpoints publish, in
// publication order.
var (
	resourceTypes = []*ResourceType{UserType, GroupType}
	allSchemas    = []*Schema{User, Group, EnterpriseUser}
)

func init() {
	for _, rt := range resourceTypes {
		rt.ix = buildIndex(rt)
	}
}
