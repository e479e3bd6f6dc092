// Upsert identifier nodes; the value is stored only encrypted (enc), found by its blind index.
// Returns the identifiers that are new or were seen earlier than known: only these (and the
// ends of changed evidence) can change a cluster.
UNWIND $rows AS row
OPTIONAL MATCH (old:Identifier {key: row.key})
WITH row, old IS NULL AS created, old.first_seen AS before
MERGE (i:Identifier {key: row.key})
ON CREATE SET
  i.ws = $ws, i.type = row.type, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc,
  i.first_seen = row.first, i.last_seen = row.last, i.generic = false, i.blocked = false
ON MATCH SET
  i.first_seen = CASE WHEN row.first < i.first_seen THEN row.first ELSE i.first_seen END,
  i.last_seen = CASE WHEN row.last > i.last_seen THEN row.last ELSE i.last_seen END
SET i += row.device
FOREACH (_ IN CASE WHEN row.type = 'device_id' THEN [1] ELSE [] END | SET i:Device)
WITH row, created, before
WHERE created OR row.first < before
RETURN row.key AS key
