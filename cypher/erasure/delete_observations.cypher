// Delete a batch of the trait observations on the given identifiers; count them.
MATCH (i:Identifier) WHERE i.key IN $keys
MATCH (o:Observation)-[:ON]->(i)
WITH o LIMIT $limit
DETACH DELETE o
WITH count(*) AS deleted
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.c_observations = coalesce(r.c_observations, 0) + deleted
RETURN deleted
