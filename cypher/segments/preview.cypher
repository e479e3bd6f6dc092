// Template: how many active profiles meet a compiled condition, and a few of them.
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE __PREDICATE__
WITH p.id AS id ORDER BY id
RETURN count(id) AS total, collect(id)[..$sample] AS sample
