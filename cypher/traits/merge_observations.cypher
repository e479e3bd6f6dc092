// Upsert trait observations: one node per (identifier, field, value, source) with its counts.
// Personal values are sealed (enc); plain ones are kept as canonical JSON (value).
// Returns the profiles whose golden record may change.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.owner})
USING INDEX SEEK i:Identifier(key)
MERGE (o:Observation {key: row.key})
ON CREATE SET
  o.ws = $ws, o.field = row.field, o.vid = row.vid, o.value = row.value, o.enc = row.enc,
  o.source = row.source, o.first_at = row.first, o.at = row.last, o.count = row.count,
  o.confidence = row.confidence, o.event = row.event
ON MATCH SET
  o.count = o.count + row.count,
  o.event = CASE WHEN row.last >= o.at THEN row.event ELSE o.event END,
  o.first_at = CASE WHEN row.first < o.first_at THEN row.first ELSE o.first_at END,
  o.at = CASE WHEN row.last > o.at THEN row.last ELSE o.at END,
  o.confidence = CASE WHEN row.confidence > o.confidence THEN row.confidence
                      ELSE o.confidence END
MERGE (o)-[:ON]->(i)
WITH DISTINCT i
MATCH (i)-[:OF]->(p:Profile)
RETURN collect(DISTINCT p.id) AS profiles
