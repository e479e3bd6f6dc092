// A page of a segment's active members in id order, after a cursor, with the other optional
// filters of profiles_page: read from the segment's edges, so a small segment of a large
// workspace costs what its members cost.
MATCH (:Segment {key: $segment})<-[:IN_SEGMENT]-(p)
WHERE p.ws = $ws AND p.status = 'active' AND p.id > $after
  AND ($since IS NULL OR p.updated_at >= $since)
  AND ($trait = '' OR p[$trait] = $value)
  AND ($type IS NULL OR EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) })
RETURN p.id AS id, p.status AS status, p.created_at AS created_at,
       p.updated_at AS updated_at, p.version AS version
ORDER BY p.id
LIMIT $limit
