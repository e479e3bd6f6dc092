// Upsert the SEEN_ON edges of a batch (rows in identifier key order, one per identifier and
// device): each identifier a message carried was seen on the device the message came from.
// Both ends exist: the identifiers and devices were written earlier in the transaction.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.identifier})
USING INDEX SEEK i:Identifier(key)
MATCH (d:Device {key: row.device})
USING INDEX SEEK d:Device(key)
MERGE (i)-[s:SEEN_ON]->(d)
ON CREATE SET s.first_seen = row.first, s.last_seen = row.last, s.count = row.count
ON MATCH SET
  s.first_seen = CASE WHEN row.first < s.first_seen THEN row.first ELSE s.first_seen END,
  s.last_seen = CASE WHEN row.last > s.last_seen THEN row.last ELSE s.last_seen END,
  s.count = s.count + row.count
RETURN count(s) AS seen
