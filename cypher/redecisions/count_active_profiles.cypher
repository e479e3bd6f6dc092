MATCH (p:Profile {ws: $ws, status: 'active'})
RETURN count(p) AS total
