package reference

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/sso"
	"github.com/provkit/provkit/reference/store"
)

// DemoSSO is the demo's single sign-on: Acme's Engineering node trusts a
// mock IdP.
type DemoSSO struct {
	NodeID     int64    `json:"node_id"`
	SP         sso.URLs `json:"sp"`
	SPMetadata []byte   `json:"-"`
}

// ConfigureDemoSSO points the SSO configuration of the demo's first node
// (Acme / Engineering) at an IdP given by its metadata, with JIT on: when
// the node has no SSO yet, or when its IdP has idpEntityID (the demo IdP,
// whose key may be new on every start). A node that an administrator pointed
// at another IdP is left alone. It returns the SP's URLs and metadata, for
// registering the SP with the IdP.
func (s *Server) ConfigureDemoSSO(ctx context.Context, baseURL, idpEntityID, idpMetadata string) (DemoSSO, error) {
	baseURL = strings.TrimRight(baseURL, "/")
	st := s.svc.Store()
	nodeID, err := demoNode(ctx, st)
	if err != nil {
		return DemoSSO{}, err
	}
	cur, err := st.GetSSOConfig(ctx, nodeID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return DemoSSO{}, fmt.Errorf("reference: demo sso: %w", err)
	default:
		if ed, perr := sso.ParseIDPMetadata(cur.IDPMetadata); perr != nil || ed.EntityID != idpEntityID {
			nodeID = 0 // configured by someone else: leave it
		}
	}
	if nodeID != 0 {
		if _, err := s.svc.ConfigureSSO(ctx, nodeID, service.SSOSettings{IDPMetadata: &idpMetadata},
			func(md string) error { _, err := sso.ParseIDPMetadata(md); return err }); err != nil {
			return DemoSSO{}, fmt.Errorf("reference: demo sso: %w", err)
		}
	} else if nodeID, err = demoNode(ctx, st); err != nil {
		return DemoSSO{}, err
	}
	md, err := sso.SPMetadataXML(baseURL, nodeID)
	if err != nil {
		return DemoSSO{}, fmt.Errorf("reference: demo sso: %w", err)
	}
	return DemoSSO{NodeID: nodeID, SP: sso.NodeURLs(baseURL, nodeID), SPMetadata: md}, nil
}

// demoNode finds the first demo enterprise's demo node.
func demoNode(ctx context.Context, st store.Reader) (int64, error) {
	ents, err := st.ListEnterprises(ctx)
	if err != nil {
		return 0, fmt.Errorf("reference: demo sso: %w", err)
	}
	for _, e := range ents {
		if e.Name != demo[0].enterprise {
			continue
		}
		nodes, err := st.ListNodes(ctx, e.ID)
		if err != nil {
			return 0, fmt.Errorf("reference: demo sso: %w", err)
		}
		for _, n := range nodes {
			if n.Name == demo[0].node && n.ParentID != 0 {
				return n.ID, nil
			}
		}
	}
	return 0, fmt.Errorf("reference: demo sso: no %s / %s node", demo[0].enterprise, demo[0].node)
}
