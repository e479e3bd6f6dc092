// A person's cluster, for Neo4j Browser: the active profile behind $id (a merged id is
// followed to the profile it was merged into), its identifiers, every evidence edge that
// touches them, followed or refused, and every NEVER edge. The walk stops one hop outside the
// cluster: an identifier at the far end of a refused or NEVER edge is shown with its own
// profile, but not expanded. Each identifier brings its $events most recent events
// (0 for none).
MATCH (start:Profile {id: $id})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(survivor:Profile {status: 'active'})
WITH coalesce(survivor, start) AS p, toInteger($events) AS n
MATCH (p)<-[of:OF]-(i:Identifier)
OPTIONAL MATCH (i)<-[by:BY]-(e:Event)
WITH p, n, i, of, by, e
ORDER BY e.at DESC
WITH p, i, of, n, collect(by)[..n] AS by, collect(e)[..n] AS events
OPTIONAL MATCH (i)-[edge:LINKED|NEVER]-(j:Identifier)
OPTIONAL MATCH (j)-[jof:OF]->(q:Profile)
  WHERE q <> p
RETURN p, i, of, by, events, collect(edge) AS evidence, collect(j) AS neighbours,
       collect(jof) AS neighbour_of, collect(q) AS neighbour_profiles
