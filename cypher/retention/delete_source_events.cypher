// Delete a batch of one source's events received before the cutoff.
MATCH (e:Event {ws: $ws, source: $source})
WHERE e.at < $cutoff
WITH e LIMIT $limit
DETACH DELETE e
RETURN count(*) AS deleted
