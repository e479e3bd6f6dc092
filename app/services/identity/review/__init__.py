"""The review queue: suspicions the identity rules cannot settle alone, filed as suggestions
an operator accepts or dismisses (docs/identity.md, "The review queue")."""
