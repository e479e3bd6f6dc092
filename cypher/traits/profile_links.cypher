// The evidence edges clustering followed between the identifiers of the given profiles (each
// edge is stored once, from the smaller key, so every followed edge comes back once): what
// the bonds of app/domain/identity/bonds.py are computed from.
// Ids may come from a caller (a profile's `trait`): only workspace $ws's count.
CYPHER replan=skip
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(i:Identifier)-[l:LINKED]->(j:Identifier)
USING INDEX SEEK p:Profile(id)
WHERE l.followed
RETURN pid AS profile, i.key AS a, j.key AS b, l.rule AS rule
