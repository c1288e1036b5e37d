package mockidp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// User is a person the IdP can sign in. Email is the key (case-insensitive)
// and the NameID value. Password, when set, is checked by the HTML login
// page; headless logins name the user and skip it.
type User struct {
	Email      string              `json:"email" yaml:"email"`
	First      string              `json:"first,omitempty" yaml:"first,omitempty"`
	Last       string              `json:"last,omitempty" yaml:"last,omitempty"`
	Password   string              `json:"password,omitempty" yaml:"password,omitempty"`
	Attributes map[string][]string `json:"attributes,omitempty" yaml:"attributes,omitempty"`
}

// Users is a concurrency-safe set of users.
type Users struct {
	mu sync.RWMutex
	m  map[string]User
}

// NewUsers returns a set holding us.
func NewUsers(us ...User) *Users {
	s := &Users{m: map[string]User{}}
	for _, u := range us {
		_ = s.Put(u)
	}
	return s
}

func key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Put adds or replaces a user.
func (s *Users) Put(u User) error {
	u.Email = strings.TrimSpace(u.Email)
	if !strings.Contains(u.Email, "@") {
		return fmt.Errorf("mockidp: user email %q is not an address", u.Email)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key(u.Email)] = u
	return nil
}

// Get returns a user.
func (s *Users) Get(email string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.m[key(email)]
	return u, ok
}

// Delete removes a user; it reports whether there was one.
func (s *Users) Delete(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key(email)]
	delete(s.m, key(email))
	return ok
}

// List returns the users by email.
func (s *Users) List() []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]User, 0, len(s.m))
	for _, u := range s.m {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Email) < key(out[j].Email) })
	return out
}

// usersFile is the file shape: {"users": [...]} or a bare list.
type usersFile struct {
	Users []User `json:"users" yaml:"users"`
}

// ParseUsers reads users from YAML or JSON (JSON is YAML): either a list of
// users or an object with a "users" list.
func ParseUsers(data []byte) ([]User, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var us []User
		if err := json.Unmarshal(trimmed, &us); err != nil {
			return nil, fmt.Errorf("mockidp: users: %w", err)
		}
		return us, nil
	}
	var f usersFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		var us []User
		if err2 := yaml.Unmarshal(data, &us); err2 == nil {
			return us, nil
		}
		return nil, fmt.Errorf("mockidp: users: %w", err)
	}
	if f.Users == nil {
		var us []User
		if err := yaml.Unmarshal(data, &us); err == nil {
			return us, nil
		}
	}
	return f.Users, nil
}

// LoadUsers reads a YAML or JSON users file.
func LoadUsers(path string) ([]User, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mockidp: %w", err)
	}
	return ParseUsers(data)
}
