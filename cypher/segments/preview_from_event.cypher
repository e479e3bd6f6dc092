// Template: like preview, for a condition that needs at least one event of a name: only the
// profiles with such an event are tested (read from the (ws, name) index of events), so a
// rare event previews in what its events cost, not in what every profile costs.
MATCH (e:Event {ws: $ws, name: $anchor})-[:BY]->(:Identifier)-[:OF]->(p:Profile)
WHERE p.ws = $ws AND p.status = 'active'
WITH DISTINCT p
WHERE __PREDICATE__
WITH p.id AS id ORDER BY id
RETURN count(id) AS total, collect(id)[..$sample] AS sample
