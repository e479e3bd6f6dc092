CYPHER replan=skip
UNWIND $ids AS id
CREATE (p:Profile {id: id, ws: $ws, status: 'active', created_at: $at, updated_at: $at,
                   version: 1})
RETURN count(p) AS created
