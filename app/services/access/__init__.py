"""Access to the API: keys, scoped to a workspace, with a role."""
