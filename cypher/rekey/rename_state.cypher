// Under the workspace lock, before renaming: each identifier still under its old key, its
// trait observations, the events not yet re-sealed for its new key, and whether a node
// already holds the new key.
UNWIND $rows AS row
OPTIONAL MATCH (i:Identifier {key: row.key})
OPTIONAL MATCH (taken:Identifier {key: row.new_key})
CALL {
  WITH i
  OPTIONAL MATCH (o:Observation)-[:ON]->(i)
  RETURN collect(o {.key, .field, .vid, .value, .enc, .source, .first_at, .at, .count,
                    .confidence, .event}) AS observations
}
CALL {
  WITH i, row
  OPTIONAL MATCH (e:Event)-[:BY]->(i)
  WHERE coalesce(e.sealed_for, i.key) <> row.new_key
  RETURN collect(e {.id, .enc, owner: coalesce(e.sealed_for, i.key)}) AS events
}
RETURN row.key AS key, i IS NOT NULL AS present, i.enc AS enc, taken IS NOT NULL AS taken,
       observations, events
