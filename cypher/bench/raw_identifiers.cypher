// Benchmark raw limit: the identifier upsert of ingestion (identity/merge_identifiers), with
// the same properties, without its bookkeeping of what changed; no lock, no resolution.
UNWIND $rows AS row
MERGE (i:Identifier {key: row.key})
ON CREATE SET
  i.ws = $ws, i.type = row.type, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc,
  i.first_seen = row.first, i.last_seen = row.last, i.generic = false, i.blocked = false
ON MATCH SET
  i.first_seen = CASE WHEN row.first < i.first_seen THEN row.first ELSE i.first_seen END,
  i.last_seen = CASE WHEN row.last > i.last_seen THEN row.last ELSE i.last_seen END
RETURN count(i) AS identifiers
