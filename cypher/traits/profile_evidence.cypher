// What the golden records of the given profiles are decided from: per identifier of a profile
// that has observations, its observations (values of personal fields sealed) and what makes
// it the profile's anchor or not (type, first sighting, blocked, generic). The evidence edges
// between the members are read apart (traits/profile_links), only for the profiles whose
// observations lie off their anchor: only those need the bonds of app/domain/identity/bonds.py.
// Ids may come from a caller (setTrait, a profile's `trait`): only workspace $ws's count.
CYPHER replan=skip
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(i:Identifier)
USING INDEX SEEK p:Profile(id)
WITH pid, i, COLLECT {
  MATCH (i)<-[:ON]-(o:Observation)
  RETURN {key: o.key, field: o.field, vid: o.vid, value: o.value, source: o.source, at: o.at,
          first_at: o.first_at, count: o.count, confidence: o.confidence, event: o.event}
} AS seen
WITH pid, collect({i: i, seen: seen}) AS members
WHERE any(m IN members WHERE size(m.seen) > 0)
UNWIND members AS m
WITH pid, m.i AS i, m.seen AS seen
RETURN collect({
  profile: pid, key: i.key, type: i.type, first_seen: i.first_seen, blocked: i.blocked,
  generic: i.generic, observations: seen
}) AS members
