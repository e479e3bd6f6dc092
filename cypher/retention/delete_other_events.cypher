// Delete a batch of events older than the cutoff whose source is not a listed one (sources
// removed since, imports): the workspace default applies to them.
MATCH (e:Event {ws: $ws})
WHERE e.at < $cutoff AND NOT e.source IN $sources
WITH e LIMIT $limit
DETACH DELETE e
RETURN count(*) AS deleted
