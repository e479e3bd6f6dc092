// Edges of identifiers that were not expanded (blocked or generic) to loaded identifiers,
// so their states can be recorded as refused.
CYPHER replan=skip
UNWIND $keys AS k
MATCH (i:Identifier {key: k})-[l:LINKED|NEVER]-(j:Identifier)
USING INDEX SEEK i:Identifier(key)
WHERE j.key IN $loaded
RETURN {a: startNode(l).key, b: endNode(l).key, kind: type(l), rule: l.rule,
        at: l.first_seen, count: l.count, followed: l.followed, refusal: l.refusal,
        source: l.source, last_seen: l.last_seen} AS edge
