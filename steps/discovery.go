package steps

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/provkit/provkit/internal/scimclient"
)

// auth: requests with missing, wrong or foreign credentials.
func (r reg) auth() {
	r.s2(`^a client (without a token|with a wrong token|with another node's token|using the lower-case scheme "bearer") `+
		`(lists the users|lists the groups|provisions a user|reads the ServiceProviderConfig|reads the ResourceTypes|reads the Schemas)$`,
		func(w *World, cred, action string) error {
			var auth string
			switch cred {
			case "without a token":
				auth = "" // removed
			case "with a wrong token":
				auth = "Bearer " + randomID(43)
			case "with another node's token":
				ep, err := w.cfg.otherEndpoint(w.ctx)
				if err != nil {
					return err
				}
				auth = "Bearer " + ep.Token
			default:
				auth = "bearer " + w.ep.Token
			}
			req := scimclient.Request{Header: map[string]string{"Authorization": auth}, Method: http.MethodGet}
			switch action {
			case "lists the users":
				req.Path, req.Query = "/Users", url.Values{"count": {"1"}}
			case "lists the groups":
				req.Path, req.Query = "/Groups", url.Values{"count": {"1"}}
			case "provisions a user":
				req.Method, req.Path, req.Body = http.MethodPost, "/Users", w.userBody("intruder")
			case "reads the ServiceProviderConfig":
				req.Path = "/ServiceProviderConfig"
			case "reads the ResourceTypes":
				req.Path = "/ResourceTypes"
			case "reads the Schemas":
				req.Path = "/Schemas"
			}
			ex, err := w.c.Do(w.ctx, req)
			if err != nil {
				return err
			}
			w.last = ex
			if req.Method == http.MethodPost && ex.Status == http.StatusCreated {
				w.removeUserAtEnd(ex.Get("id").String(), w.c)
			}
			return nil
		})
}

// discovery: ServiceProviderConfig, ResourceTypes, Schemas.
func (r reg) discovery() {
	r.s1(`^the identity provider reads the (ServiceProviderConfig|ResourceTypes|Schemas)$`, func(w *World, res string) error {
		ex, err := w.do(http.MethodGet, "/"+res, nil)
		w.last = ex
		return err
	})
	r.s1(`^the identity provider reads the resource type "([^"]*)"$`, func(w *World, id string) error {
		ex, err := w.do(http.MethodGet, "/ResourceTypes/"+id, nil)
		w.last = ex
		return err
	})
	r.s1(`^the identity provider reads the schema "([^"]*)"$`, func(w *World, id string) error {
		ex, err := w.do(http.MethodGet, "/Schemas/"+id, nil)
		w.last = ex
		return err
	})
	r.s2(`^the resource type "([^"]*)" is served at "([^"]*)"$`, func(w *World, id, endpoint string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		for _, rt := range ex.Get("Resources").Array() {
			if rt.Get("id").String() == id || rt.Get("name").String() == id {
				if got := rt.Get("endpoint").String(); got != endpoint {
					return mismatch(ex, "the endpoint of the resource type "+id, strconv.Quote(endpoint), strconv.Quote(got), "expected the resource type %s at %s, got %q", id, endpoint, got)
				}
				return nil
			}
		}
		return mismatch(ex, "ResourceTypes", "a list with "+id, notListed(ex, "resource types", id), "expected ResourceTypes to list %s", id)
	})
	r.s1(`^the schema "([^"]*)" is described$`, func(w *World, id string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		for _, s := range ex.Get("Resources").Array() {
			if s.Get("id").String() == id {
				if len(s.Get("attributes").Array()) == 0 {
					return mismatch(ex, "the attributes of the schema "+id, "a list of attributes", orAbsent(s.Get("attributes")), "expected the schema %s to describe its attributes", id)
				}
				return nil
			}
		}
		return mismatch(ex, "Schemas", "a list with "+id, notListed(ex, "schemas", id), "expected Schemas to list %s", id)
	})
	r.s2(`^the schema's attribute "([^"]*)" is (required|multi-valued)$`, func(w *World, name, what string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected 200, got %d", ex.Status)
		}
		for _, a := range ex.Get("attributes").Array() {
			if a.Get("name").String() != name {
				continue
			}
			field := map[string]string{"required": "required", "multi-valued": "multiValued"}[what]
			if !a.Get(field).Bool() {
				return mismatch(ex, name+"."+field, "true", orAbsent(a.Get(field)), "expected the attribute %s to be %s (%s: true)", name, what, field)
			}
			return nil
		}
		return mismatch(ex, "attributes", "a list with "+name, "no attribute "+name, "expected the schema to describe the attribute %s", name)
	})
}

// notListed describes a list that lacks id: how many it held, or its status.
func notListed(ex *scimclient.Exchange, what, id string) string {
	if ex.Err != nil || ex.Status != http.StatusOK {
		return statusOf(ex)
	}
	return fmt.Sprintf("%d %s, none %s", len(ex.Get("Resources").Array()), what, id)
}
