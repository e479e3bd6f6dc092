CYPHER replan=skip
UNWIND $ids AS id
MATCH (p:Profile {id: id})
USING INDEX SEEK p:Profile(id)
SET p.updated_at = $at, p.version = p.version + 1
RETURN count(p) AS touched
