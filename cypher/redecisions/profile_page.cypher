// Up to $limit active profiles of workspace $ws after $after (by id), and those of them with
// an observation from source $source (every one of them when $source is null).
MATCH (p:Profile {ws: $ws, status: 'active'})
WHERE p.id > $after
WITH p
ORDER BY p.id
LIMIT $limit
RETURN collect(p.id) AS checked,
       collect(CASE WHEN $source IS NULL
                      OR EXISTS { (p)<-[:OF]-(:Identifier)<-[:ON]-(:Observation {source: $source}) }
                    THEN p.id END) AS concerned
