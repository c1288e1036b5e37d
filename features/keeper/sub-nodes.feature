@keeper @nodes @own-enterprise
Feature: A node's endpoint does not control its sub-nodes
  "If SCIM is set up on a node, its sub-nodes are not controlled by that integration, but each can have its own
  provider" ("API Provisioning with SCIM").

  @sub-nodes-separate
  Rule: Users of a sub-node are not visible through the parent's endpoint
    Cites Keeper "API Provisioning with SCIM": "if SCIM is setup on a node, the sub-nodes of this node are not controlled by the integration, but they can be controlled by their own provider"

    @must
    Example: The parent's endpoint cannot read a sub-node's user
      Given a sub-node provisioned the user "alice"
      When the identity provider reads the user "alice"
      Then the answer has status 404
