// Evidence edge counts of the workspace (replays must not change them).
MATCH (a:Identifier {ws: $ws})-[l:LINKED]->(b:Identifier)
RETURN a.key AS a, b.key AS b, l.rule AS rule, l.count AS count
ORDER BY a, b, rule
