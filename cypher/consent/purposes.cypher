// Every purpose of the workspace, with how many decisions reference it.
MATCH (p:Purpose {ws: $ws})
RETURN p.name AS name, coalesce(p.description, '') AS description,
       coalesce(p.default_granted, false) AS default_granted,
       coalesce(p.configured, false) AS configured,
       // Only decisions point at a purpose: its degree is their count, read without visiting them.
       COUNT { (p)<-[:FOR]-() } AS decisions
ORDER BY p.name
