// Delete a batch of the consent decisions given with the given identifiers; count them.
MATCH (i:Identifier) WHERE i.key IN $keys
MATCH (i)-[:GAVE]->(c:Consent)
WITH c LIMIT $limit
DETACH DELETE c
WITH count(*) AS deleted
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.c_consents = coalesce(r.c_consents, 0) + deleted
RETURN deleted
