// Upsert the devices a batch's messages come from and the SEEN_ON edges to them, in one round
// trip. Devices (rows in key order, one per device): times and the event count accumulate,
// and the facts of a batch at least as recent as the device's last sighting replace the stored
// ones fact by fact (an older, late batch changes none). Edges (rows in identifier key order,
// one per identifier and device): each identifier a message carried was seen on the device
// the message came from; its identifier was written earlier in the transaction.
CYPHER replan=skip
CALL {
  UNWIND $devices AS row
  MERGE (d:Device {key: row.key})
  ON CREATE SET
    d.ws = $ws, d.kind = row.kind, d.first_seen = row.first, d.last_seen = row.last,
    d.events = row.events, d += row.facts
  ON MATCH SET
    d += CASE WHEN row.last >= d.last_seen THEN row.facts ELSE {} END,
    d.first_seen = CASE WHEN row.first < d.first_seen THEN row.first ELSE d.first_seen END,
    d.last_seen = CASE WHEN row.last > d.last_seen THEN row.last ELSE d.last_seen END,
    d.events = d.events + row.events
}
CALL {
  UNWIND $seen AS row
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
}
RETURN size($devices) AS devices, size($seen) AS seen
