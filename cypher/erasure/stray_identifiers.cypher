// Identifiers attached to the subject's profiles that the plan does not erase (a writer beside
// the erasure attached them after it was planned): they lose their profile with the subject's
// and are resolved again, like the shared ones.
UNWIND $profiles AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(i:Identifier)
WHERE NOT i.key IN $keys
RETURN collect(DISTINCT i.key) AS keys
