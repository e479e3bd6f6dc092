// Every observation of the given profiles' identifiers (values of personal fields sealed).
UNWIND $ids AS pid
MATCH (:Profile {id: pid})<-[:OF]-(i:Identifier)<-[:ON]-(o:Observation)
RETURN collect({profile: pid, key: o.key, field: o.field, vid: o.vid, value: o.value,
                source: o.source, at: o.at, first_at: o.first_at, count: o.count,
                confidence: o.confidence, event: o.event, identifier: i.key}) AS rows
