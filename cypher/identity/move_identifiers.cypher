// Point each identifier at its (new) profile: a merge or split moves only OF edges.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
USING INDEX SEEK i:Identifier(key)
MATCH (p:Profile {id: row.profile})
USING INDEX SEEK p:Profile(id)
OPTIONAL MATCH (i)-[old:OF]->(:Profile)
DELETE old
MERGE (i)-[:OF]->(p)
RETURN count(DISTINCT i) AS moved
