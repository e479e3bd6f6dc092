// A page of a segment's active members in id order, after a cursor, with the other optional
// filters of profiles_page: for a segment that holds a large share of the profiles, walked in
// the profile index's id order, keeping members (segment_profiles_page reads a small one from
// its edges instead; the store picks by the segment's share, segment_size).
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE p.id > $after
  AND EXISTS { (p)-[:IN_SEGMENT]->(:Segment {key: $segment}) }
  AND ($since IS NULL OR p.updated_at >= $since)
  AND ($trait = '' OR p[$trait] = $value)
  AND ($type IS NULL OR EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) })
RETURN p.id AS id, p.status AS status, p.created_at AS created_at,
       p.updated_at AS updated_at, p.version AS version
ORDER BY p.id
LIMIT $limit
