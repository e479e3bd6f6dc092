// The biggest clusters of workspace $ws: the $limit active profiles with most identifiers,
// with their identifier types, how many events their identifiers own, and when they last
// changed. Feed a profile id to explore/cluster.
MATCH (p:Profile {ws: $ws, status: 'active'})
WITH p, COUNT { (p)<-[:OF]-(:Identifier) } AS identifiers
ORDER BY identifiers DESC, p.id
LIMIT toInteger($limit)
RETURN p.id AS profile, identifiers,
       COLLECT {
         MATCH (p)<-[:OF]-(i:Identifier)
         WITH i.type AS type, count(*) AS n
         ORDER BY type
         RETURN type + ' ' + toString(n)
       } AS types,
       COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(:Event) } AS events,
       datetime({epochMillis: toInteger(p.updated_at * 1000)}) AS updated
ORDER BY identifiers DESC, profile
