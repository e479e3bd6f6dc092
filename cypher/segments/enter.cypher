// Profiles that meet a segment's condition and were not members: they enter it now.
MATCH (s:Segment {key: $key})
UNWIND $ids AS pid
MATCH (p:Profile {id: pid})
WHERE NOT EXISTS { (p)-[:IN_SEGMENT]->(s) }
CREATE (p)-[:IN_SEGMENT {since: $at}]->(s)
RETURN collect(pid) AS entered
