// A profile's tags (set by journeys; plain and queryable as p.tags).
MATCH (p:Profile {id: $id, ws: $ws})
RETURN coalesce(p.tags, []) AS tags
