// Record, per evidence edge, whether clustering followed it and, if not, why (the conflict).
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})-[l:LINKED {rule: row.rule}]->(b:Identifier {key: row.b})
SET l.followed = row.followed, l.refusal = row.refusal, l.decided_at = $at
RETURN count(l) AS updated
