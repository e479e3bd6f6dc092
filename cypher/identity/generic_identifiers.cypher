// What the rules caught as generic in the workspace (`generic: true`; with $unfiled, only those
// the review queue has not filed yet), most linked first, at most $limit: each with its
// links, its links to identifiers of types other than the session types $uncounted (the degree compared with generic_degree); for a type in $contended, its
// session identifiers shared with other values of its type and those values (its rivals),
// each counted up to $max_rivals + 1 (both compared with generic_rivals); and its profile.
MATCH (g:Identifier {ws: $ws, generic: true})
WHERE NOT $unfiled OR NOT EXISTS { MATCH (:Suggestion {ws: $ws, subject: 'generic:' + g.key}) }
WITH g, COUNT { (g)-[:LINKED]-(:Identifier) } AS links
ORDER BY links DESC, g.key
LIMIT toInteger($limit)
OPTIONAL MATCH (g)-[:OF]->(p:Profile)
RETURN g.key AS key, g.type AS type, links, p.id AS profile, g.first_seen AS first_seen,
       COUNT {
         MATCH (g)-[:LINKED]-(j:Identifier) WHERE NOT j.blocked AND NOT j.type IN $uncounted
         RETURN DISTINCT j.key
       } AS degree,
       CASE WHEN g.type IN $contended THEN COUNT {
         MATCH (g)-[:LINKED]-(x:Identifier)
         WHERE x.type IN $uncounted AND NOT x.blocked AND EXISTS {
           MATCH (x)-[:LINKED]-(u:Identifier) WHERE u.type = g.type AND u <> g AND NOT u.blocked
         }
         RETURN DISTINCT x.key LIMIT $max_rivals + 1
       } ELSE 0 END AS shared,
       CASE WHEN g.type IN $contended THEN COUNT {
         MATCH (g)-[:LINKED]-(x:Identifier)-[:LINKED]-(u:Identifier)
         WHERE x.type IN $uncounted AND NOT x.blocked AND u.type = g.type AND u <> g
           AND NOT u.blocked
         RETURN DISTINCT u.key LIMIT $max_rivals + 1
       } ELSE 0 END AS rivals
