// Retire merged profiles; their ids keep resolving through MERGED_INTO.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (old:Profile {id: row.from_id})
USING INDEX SEEK old:Profile(id)
MATCH (into:Profile {id: row.into_id})
USING INDEX SEEK into:Profile(id)
SET old.status = 'merged', old.merged_at = $at, old.updated_at = $at
MERGE (old)-[m:MERGED_INTO]->(into)
ON CREATE SET m.at = $at, m.reason = row.reason
RETURN count(old) AS merged
