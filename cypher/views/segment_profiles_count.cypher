// How many of a segment's members are active and match the other filters of profiles_count,
// counted from the segment's edges.
MATCH (:Segment {key: $segment})<-[:IN_SEGMENT]-(p)
WHERE p.ws = $ws AND p.status = 'active'
  AND ($since IS NULL OR p.updated_at >= $since)
  AND ($trait = '' OR p[$trait] = $value)
  AND ($type IS NULL OR EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) })
RETURN count(p) AS total
