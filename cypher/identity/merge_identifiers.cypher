// Upsert identifier nodes; the value is stored only encrypted (enc), found by its blind index.
// (Identifiers of components decided before the write are created by
// identity/create_identifiers instead.) Returns the identifiers that are new or now first seen
// no later than before: only these (and the ends of changed evidence) can move a cluster (a
// false positive only costs work), and the profiles the identifiers belong to (one that a
// writer beside this one created since the batch read it has a profile not locked yet).
CYPHER replan=skip
UNWIND $rows AS row
MERGE (i:Identifier {key: row.key})
ON CREATE SET
  i.ws = $ws, i.type = row.type, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc,
  i.first_seen = row.first, i.last_seen = row.last, i.generic = false, i.blocked = false
ON MATCH SET
  i.first_seen = CASE WHEN row.first < i.first_seen THEN row.first ELSE i.first_seen END,
  i.last_seen = CASE WHEN row.last > i.last_seen THEN row.last ELSE i.last_seen END
WITH row, i
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN
  collect(CASE WHEN i.first_seen = row.first THEN row.key END) AS keys,
  collect(DISTINCT p.id) AS profiles
