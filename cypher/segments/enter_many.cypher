// Profiles that meet a segment's condition and were not members enter it now; rows are
// {key: segment key, id: profile id}, sorted, so writers take their locks in one order.
UNWIND $rows AS row
MATCH (s:Segment {key: row.key})
MATCH (p:Profile {id: row.id})
WHERE NOT EXISTS { (p)-[:IN_SEGMENT]->(s) }
CREATE (p)-[:IN_SEGMENT {since: $at}]->(s)
RETURN row.key AS key, collect(row.id) AS ids
