// The devices seen on the identifiers of several profiles at once, newest first, each with how
// many profiles it is seen with (more than one: a shared device).
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(:Identifier)-[:SEEN_ON]->(d:Device)
WITH pid, collect(DISTINCT d) AS devices
UNWIND devices AS d
RETURN pid AS profile, properties(d) AS device,
       size(COLLECT {
         MATCH (d)<-[:SEEN_ON]-(:Identifier)-[:OF]->(q:Profile)
         RETURN DISTINCT q.id
       }) AS profiles
ORDER BY pid, d.last_seen DESC, d.key
