// Evidence kept but not followed, with the rule that refused it (the recorded conflicts).
MATCH (a:Identifier {ws: $ws})-[l:LINKED]->(b:Identifier)
WHERE l.refusal IS NOT NULL
RETURN a.key AS a, a.type AS a_type, b.key AS b, b.type AS b_type, l.rule AS rule,
       l.refusal AS refusal, l.count AS count, l.decided_at AS decided_at
ORDER BY l.decided_at DESC, a.key, b.key
LIMIT $limit
