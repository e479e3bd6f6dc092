// Every observation of the given profiles' identifiers (values of personal fields sealed).
// Ids may come from a caller (setTrait, a profile's `trait`): only workspace $ws's count.
CYPHER replan=skip
UNWIND $ids AS pid
MATCH (p:Profile {id: pid, ws: $ws})<-[:OF]-(i:Identifier)<-[:ON]-(o:Observation)
USING INDEX SEEK p:Profile(id)
RETURN collect({profile: pid, key: o.key, field: o.field, vid: o.vid, value: o.value,
                source: o.source, at: o.at, first_at: o.first_at, count: o.count,
                confidence: o.confidence, event: o.event, identifier: i.key}) AS rows
