// Generic identifiers of workspace $ws (linked to too many others, so every edge of theirs is
// refused with `generic`) and what they touch: the $limit most linked ones, the number of
// profiles at the far end of their evidence, the types found there, and for the graph view
// their $neighbours most recently seen evidence edges with the identifiers and profiles at the
// other end.
MATCH (g:Identifier {ws: $ws, generic: true})
WITH g, COUNT { (g)-[:LINKED]-(:Identifier) } AS links
ORDER BY links DESC, g.key
LIMIT toInteger($limit)
OPTIONAL MATCH (g)-[own:OF]->(home:Profile)
OPTIONAL MATCH (g)-[l:LINKED]-(n:Identifier)
OPTIONAL MATCH (n)-[of:OF]->(p:Profile)
WITH g, links, own, home, l, n, of, p, toInteger($neighbours) AS k
ORDER BY l.last_seen DESC
WITH g, links, own, home, k, count(DISTINCT p) AS profiles, collect(l)[..k] AS evidence,
     collect(n)[..k] AS neighbours, collect(of)[..k] AS neighbour_of,
     collect(p)[..k] AS neighbour_profiles
RETURN g.type AS type, g.key AS key, links, profiles,
       COLLECT {
         MATCH (g)-[:LINKED]-(x:Identifier)
         WITH x.type AS type, count(*) AS n
         ORDER BY type
         RETURN type + ' ' + toString(n)
       } AS touches,
       g, own, home, evidence, neighbours, neighbour_of, neighbour_profiles
ORDER BY links DESC, key
