// Upsert evidence edges, one per (pair, rule), stored from the smaller key to the larger.
// Returns the edges whose change can move a cluster: new ones, ones now dated earlier (the
// canonical order changed), and late-binding ones (their count matters).
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
OPTIONAL MATCH (a)-[old:LINKED {rule: row.rule}]->(b)
WITH a, b, row, old IS NULL AS created, old.first_seen AS before
MERGE (a)-[l:LINKED {rule: row.rule}]->(b)
ON CREATE SET
  l.weight = row.weight, l.count = row.count, l.first_seen = row.first, l.last_seen = row.last,
  l.source = row.source, l.followed = false
ON MATCH SET
  l.count = l.count + row.count,
  l.first_seen = CASE WHEN row.first < l.first_seen THEN row.first ELSE l.first_seen END,
  l.last_seen = CASE WHEN row.last > l.last_seen THEN row.last ELSE l.last_seen END
WITH row, created, before
WHERE created OR row.first < before OR row.late
RETURN row.a AS a, row.b AS b
