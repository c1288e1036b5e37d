module example.com/my-scim-tests

go 1.26.8

require (
	github.com/cucumber/godog v0.15.1
	github.com/provkit/provkit v0.0.0
)

require (
	github.com/beevik/etree v1.7.0 // indirect
	github.com/crewjam/saml v0.5.1 // indirect
	github.com/cucumber/gherkin/go/v26 v26.2.0 // indirect
	github.com/cucumber/messages/go/v21 v21.0.1 // indirect
	github.com/gofrs/uuid v4.3.1+incompatible // indirect
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-memdb v1.3.4 // indirect
	github.com/hashicorp/golang-lru v0.5.4 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
	github.com/mattermost/xml-roundtrip-validator v0.1.0 // indirect
	github.com/russellhaering/goxmldsig v1.6.1 // indirect
	github.com/spf13/pflag v1.0.7 // indirect
	github.com/tidwall/gjson v1.20.1 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	golang.org/x/crypto v0.33.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

// Outside this repository, drop the replace and require a provkit commit:
// go get github.com/provkit/provkit@<commit>
replace github.com/provkit/provkit => ../..
