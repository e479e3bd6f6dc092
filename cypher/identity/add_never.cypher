// Sticky "cannot link": later co-occurrence cannot override it.
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
MERGE (a)-[n:NEVER]->(b)
ON CREATE SET n.at = $at, n.by = $by, n.reason = $reason
RETURN count(n) AS added
