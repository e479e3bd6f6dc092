// Upsert the devices a batch's messages come from (rows in key order, one per device): times
// and the event count accumulate, and the facts of a batch at least as recent as the device's
// last sighting replace the stored ones fact by fact (an older, late batch changes none).
CYPHER replan=skip
UNWIND $rows AS row
MERGE (d:Device {key: row.key})
ON CREATE SET
  d.ws = $ws, d.kind = row.kind, d.first_seen = row.first, d.last_seen = row.last,
  d.events = row.events, d += row.facts
ON MATCH SET
  d += CASE WHEN row.last >= d.last_seen THEN row.facts ELSE {} END,
  d.first_seen = CASE WHEN row.first < d.first_seen THEN row.first ELSE d.first_seen END,
  d.last_seen = CASE WHEN row.last > d.last_seen THEN row.last ELSE d.last_seen END,
  d.events = d.events + row.events
RETURN count(d) AS devices
