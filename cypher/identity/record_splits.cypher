// Lineage of a split: the new profile remembers which profile it came out of.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (new:Profile {id: row.new_id})
USING INDEX SEEK new:Profile(id)
MATCH (old:Profile {id: row.from_id})
USING INDEX SEEK old:Profile(id)
MERGE (new)-[s:SPLIT_FROM]->(old)
ON CREATE SET s.at = $at, s.reason = row.reason
RETURN count(s) AS splits
