// Create the evidence edges of components decided before the write, with their decided state:
// both ends were created by this transaction, so every such edge is new. Stored from the
// smaller key to the larger, one per (pair, rule), like identity/merge_evidence.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Identifier {key: row.a})
USING INDEX SEEK a:Identifier(key)
MATCH (b:Identifier {key: row.b})
USING INDEX SEEK b:Identifier(key)
CREATE (a)-[l:LINKED {rule: row.rule, weight: row.weight, count: row.count,
                      first_seen: row.first, last_seen: row.last, source: row.source,
                      followed: row.followed, refusal: row.refusal, decided_at: $at}]->(b)
RETURN count(l) AS created
