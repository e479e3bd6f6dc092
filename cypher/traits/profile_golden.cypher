MATCH (p:Profile {id: $id, ws: $ws})
RETURN p.golden AS golden
