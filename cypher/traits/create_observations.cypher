// Create the trait observations of identifiers this transaction created (those of components
// decided before the write): an identifier new to the graph has none yet. The same node as
// traits/merge_observations makes; should one exist after all, its unique key fails the
// transaction.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.owner})
USING INDEX SEEK i:Identifier(key)
CREATE (o:Observation {key: row.key, ws: $ws, field: row.field, vid: row.vid, value: row.value,
                       enc: row.enc, source: row.source, first_at: row.first, at: row.last,
                       count: row.count, confidence: row.confidence, event: row.event})
CREATE (o)-[:ON]->(i)
RETURN count(o) AS created
