// How many active profiles match the filters of profiles_page.
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE ($since IS NULL OR p.updated_at >= $since)
  AND ($trait = '' OR p[$trait] = $value)
  AND ($type IS NULL OR EXISTS { (p)<-[:OF]-(:Identifier {type: $type}) })
RETURN count(p) AS total
