MATCH (r:Redecision {id: $id, ws: $ws})
RETURN r {.*} AS run
