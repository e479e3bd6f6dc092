UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})-[n:NEVER]-(b:Identifier {key: row.b})
DELETE n
RETURN count(*) AS removed
