package sync

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Directory is the IdP side: the people and groups assigned to the Keeper
// application, and what changes after the first sync.
type Directory struct {
	// Users assigned to the application. Email is the key and the userName
	// (Keeper: "userName must be the email").
	Users []User `yaml:"users"`
	// Groups pushed to the application; Members are users' emails.
	Groups []Group `yaml:"groups"`
	// Updates are applied by the update phase.
	Updates Updates `yaml:"updates"`
	// Deprovision lists the emails of users the deprovision phase removes
	// from the application (unassigned, disabled or deleted in the IdP).
	Deprovision []string `yaml:"deprovision"`
	// TestUser is the "Test User Email" JumpCloud's Test Connection creates
	// and removes (default: idp-test@<the first user's domain>).
	TestUser string `yaml:"test_user"`
}

// User is a person of the directory.
type User struct {
	Email       string `yaml:"email"`
	GivenName   string `yaml:"given_name"`
	FamilyName  string `yaml:"family_name"`
	DisplayName string `yaml:"display_name"` // default "GivenName FamilyName"
	// ID is the IdP's own object id (default: derived from the email in the
	// IdP's id format, e.g. Okta 00u…, Entra ID a GUID).
	ID string `yaml:"id"`
}

// Group is a group of the directory.
type Group struct {
	Name    string   `yaml:"name"`
	ID      string   `yaml:"id"` // the IdP's object id (default: derived from the name)
	Members []string `yaml:"members"`
}

// Updates are the changes the update phase sends.
type Updates struct {
	Users  []UserUpdate  `yaml:"users"`
	Groups []GroupUpdate `yaml:"groups"`
}

// UserUpdate changes a user's profile; empty fields stay as they are.
type UserUpdate struct {
	Email       string `yaml:"email"`
	GivenName   string `yaml:"given_name"`
	FamilyName  string `yaml:"family_name"`
	DisplayName string `yaml:"display_name"`
}

// GroupUpdate renames a group and changes its members.
type GroupUpdate struct {
	Name   string   `yaml:"name"`
	Rename string   `yaml:"rename"`
	Add    []string `yaml:"add"`
	Remove []string `yaml:"remove"`
}

//go:embed sample.yaml
var sampleYAML []byte

// Sample is the bundled sample directory (sample.yaml): four people of
// acme.example, two groups (one empty), an update and a deprovisioning.
func Sample() *Directory {
	d, err := Parse(sampleYAML)
	if err != nil {
		panic("mockidp/sync: the bundled sample does not parse: " + err.Error())
	}
	return d
}

// SampleYAML returns the bundled sample's text.
func SampleYAML() []byte { return bytes.Clone(sampleYAML) }

// Load reads a directory from a YAML file.
func Load(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Parse reads a directory from YAML (unknown keys are refused) and checks it.
func Parse(b []byte) (*Directory, error) {
	var d Directory
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return &d, nil
}

func key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Check reports the first inconsistency: a user without an address, an
// email or group listed twice, a member, update or deprovisioning naming
// someone the directory does not have.
func (d *Directory) Check() error {
	if len(d.Users) == 0 {
		return errors.New("directory: no users")
	}
	seen := map[string]bool{}
	for i, u := range d.Users {
		if !strings.Contains(u.Email, "@") {
			return fmt.Errorf("directory: user %d: email %q is not an address", i+1, u.Email)
		}
		if seen[key(u.Email)] {
			return fmt.Errorf("directory: user %s is listed twice", u.Email)
		}
		seen[key(u.Email)] = true
	}
	known := func(what, email string) error {
		if !seen[key(email)] {
			return fmt.Errorf("directory: %s names %q, which is not a user of the directory", what, email)
		}
		return nil
	}
	groups := map[string]bool{}
	for _, g := range d.Groups {
		if strings.TrimSpace(g.Name) == "" {
			return errors.New("directory: a group has no name")
		}
		if groups[key(g.Name)] {
			return fmt.Errorf("directory: group %q is listed twice", g.Name)
		}
		groups[key(g.Name)] = true
		for _, m := range g.Members {
			if err := known("group "+g.Name, m); err != nil {
				return err
			}
		}
	}
	for _, u := range d.Updates.Users {
		if err := known("an update", u.Email); err != nil {
			return err
		}
	}
	for _, g := range d.Updates.Groups {
		if !groups[key(g.Name)] {
			return fmt.Errorf("directory: an update names the group %q, which the directory does not have", g.Name)
		}
		for _, m := range append(append([]string{}, g.Add...), g.Remove...) {
			if err := known("the update of group "+g.Name, m); err != nil {
				return err
			}
		}
	}
	for _, e := range d.Deprovision {
		if err := known("deprovision", e); err != nil {
			return err
		}
	}
	if d.TestUser != "" && !strings.Contains(d.TestUser, "@") {
		return fmt.Errorf("directory: test_user %q is not an address", d.TestUser)
	}
	return nil
}

// user returns the directory's user with the email.
func (d *Directory) user(email string) (User, bool) {
	for _, u := range d.Users {
		if key(u.Email) == key(email) {
			return u, true
		}
	}
	return User{}, false
}

func (d *Directory) group(name string) (Group, bool) {
	for _, g := range d.Groups {
		if key(g.Name) == key(name) {
			return g, true
		}
	}
	return Group{}, false
}

func (d *Directory) testUser() string {
	if d.TestUser != "" {
		return d.TestUser
	}
	_, domain, _ := strings.Cut(d.Users[0].Email, "@")
	return "idp-test@" + domain
}

// display returns the user's display name.
func (u User) display() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	return u.Email
}

// nickname is the address's local part (Entra ID's mailNickname).
func (u User) nickname() string {
	local, _, _ := strings.Cut(u.Email, "@")
	return local
}

// apply returns the user with the update's non-empty fields.
func (u User) apply(up UserUpdate) User {
	if up.GivenName != "" {
		u.GivenName = up.GivenName
	}
	if up.FamilyName != "" {
		u.FamilyName = up.FamilyName
	}
	if up.DisplayName != "" {
		u.DisplayName = up.DisplayName
	}
	return u
}

// digest is a stable hash of the parts, for the IdPs' derived object ids.
func digest(parts ...string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(strings.Join(parts, "\x00"))))
	return h[:]
}

// guid formats a digest as a GUID (Entra ID object ids).
func guid(parts ...string) string {
	h := hex.EncodeToString(digest(parts...)[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// oktaID is an Okta-style id: a prefix ("00u" users, "00g" groups) and 17
// base62 characters.
func oktaID(prefix string, parts ...string) string {
	d := digest(parts...)
	b := []byte(prefix)
	for i := 0; i < 17; i++ {
		b = append(b, base62[int(d[i])%len(base62)])
	}
	return string(b)
}

// objectID is a JumpCloud-style id: 24 hex digits (a MongoDB ObjectId).
func objectID(parts ...string) string { return hex.EncodeToString(digest(parts...)[:12]) }
