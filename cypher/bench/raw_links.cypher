// Benchmark raw limit: one LINKED edge per pair and rule, as identity/merge_evidence writes it
// (without its bookkeeping of which edges changed).
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
MERGE (a)-[l:LINKED {rule: row.rule}]->(b)
ON CREATE SET
  l.weight = row.weight, l.count = row.count, l.first_seen = row.first, l.last_seen = row.last,
  l.source = row.source, l.followed = false
ON MATCH SET
  l.count = l.count + row.count,
  l.first_seen = CASE WHEN row.first < l.first_seen THEN row.first ELSE l.first_seen END,
  l.last_seen = CASE WHEN row.last > l.last_seen THEN row.last ELSE l.last_seen END
RETURN count(l) AS links
