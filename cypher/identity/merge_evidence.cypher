// Upsert evidence edges, one per (pair, rule), stored from the smaller key to the larger. A new
// edge starts unfollowed and is decided by the recomputation. (Edges of components decided
// before the write are created by identity/create_evidence instead.)
// Returns the edges whose change can move a cluster: new ones (their count is this batch's),
// ones now dated no later than before (the canonical order may have changed), and
// late-binding ones (their count matters). A false positive only costs a recompute.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
USING INDEX SEEK a:Identifier(key)
MATCH (b:Identifier {key: row.b})
USING INDEX SEEK b:Identifier(key)
MERGE (a)-[l:LINKED {rule: row.rule}]->(b)
ON CREATE SET
  l.weight = row.weight, l.count = row.count, l.first_seen = row.first, l.last_seen = row.last,
  l.source = row.source, l.followed = false
ON MATCH SET
  l.count = l.count + row.count,
  l.first_seen = CASE WHEN row.first < l.first_seen THEN row.first ELSE l.first_seen END,
  l.last_seen = CASE WHEN row.last > l.last_seen THEN row.last ELSE l.last_seen END
WITH row, l
WHERE l.count = row.count OR l.first_seen = row.first OR row.late
RETURN collect(row.a) + collect(row.b) AS keys
