// Package mockidp is a SAML 2.0 identity provider for rehearsing single
// sign-on on a laptop and for negative testing of service providers.
//
// It is built on github.com/crewjam/saml's types (AuthnRequest parsing,
// metadata, the Response and Assertion element builders) and on
// github.com/russellhaering/goxmldsig for signing, but builds every Response
// itself, because crewjam's IdentityProvider cannot choose what to sign, the
// signature algorithm per persona, the lifetime, or the NameID format, and
// copies the client's ip:port into Address attributes (independent SPs
// reject that).
//
// An IdP has one Persona (jumpcloud, cloudgate, okta, entra, google,
// onelogin, generic: see personas.go for each choice and its source), a set
// of Users (YAML or JSON file, or the JSON API) and the service providers
// registered from their metadata. It serves:
//
//	GET  {base}/metadata            IdP metadata
//	GET  {base}/sso                 SP-initiated SSO, HTTP-Redirect binding
//	POST {base}/sso                 SP-initiated SSO, HTTP-POST binding
//	GET  {base}/login               IdP-initiated login (?sp=<entity ID>&RelayState=)
//	POST {base}/login               the HTML login form's target
//	GET/PUT/DELETE {base}/api/users[/{email}]   users (JSON)
//	GET/PUT        {base}/api/sps               service providers (PUT body: SP metadata XML)
//
// The JSON API needs "Authorization: Bearer <Config.APIToken>" (401
// otherwise; with no token configured it is closed), since a user put there
// can sign in to every SP that trusts the IdP.
//
// Headless login: add user=<email> (and optionally fault=<name>[,<name>]) to
// the SSO or login request and the IdP answers at once with the auto-submitted
// POST form to the SP; without user it shows a plain HTML login page.
//
// Faults (faults.go) produce deliberately broken responses: unsigned,
// signed by an untrusted key, XML signature wrapping XSW1-XSW8, expired,
// wrong audience, and so on. A correct SP rejects every one of them.
//
// Clocks and ID sources are fields of Config; the package has no globals
// that change.
package mockidp
