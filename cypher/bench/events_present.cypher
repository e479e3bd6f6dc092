// Benchmark latency probe: which of these event ids (ws:source:messageId) are stored and
// already visible in a profile, through their owner (BY) and its profile (OF).
UNWIND $ids AS id
MATCH (e:Event {id: id})-[:BY]->(:Identifier)-[:OF]->(p:Profile)
RETURN e.id AS id, p.id AS profile
