// Tests only: the observations of one field in a workspace.
MATCH (o:Observation {ws: $ws, field: $field})-[:ON]->(i:Identifier)
RETURN o.key AS key, o.enc AS enc, i.key AS owner
ORDER BY o.key
