// Delete a batch of the events owned by the given identifiers; count them on the request.
MATCH (i:Identifier) WHERE i.key IN $keys
MATCH (e:Event)-[:BY]->(i)
WITH e LIMIT $limit
DETACH DELETE e
WITH count(*) AS deleted
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.c_events = coalesce(r.c_events, 0) + deleted
RETURN deleted
