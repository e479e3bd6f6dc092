// A page of active profiles in id order, after a cursor, with optional filters: a plain trait
// equal to a value (the golden value `t_<field>`), an identifier type present, updated since
// (a segment's members: segment_profiles_page).
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE p.id > $after
  AND ($since IS NULL OR p.updated_at >= $since)
  AND ($trait = '' OR p[$trait] = $value)
  AND ($type IS NULL OR EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) })
RETURN p.id AS id, p.status AS status, p.created_at AS created_at,
       p.updated_at AS updated_at, p.version AS version
ORDER BY p.id
LIMIT $limit
