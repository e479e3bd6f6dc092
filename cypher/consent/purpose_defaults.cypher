// Each purpose of the workspace and whether it is granted when nobody decided (read on every
// consent check and segment compilation: no counting here).
MATCH (p:Purpose {ws: $ws})
RETURN p.name AS name, coalesce(p.default_granted, false) AS default_granted
