// A made-up evidence graph, written directly (bench/component_load.py and the loaders'
// equivalence test): profiles, identifiers attached to one profile each, LINKED and NEVER
// edges stored from the smaller key to the larger. Keys and types only, nothing personal.
CYPHER replan=skip
UNWIND $profiles AS row
CREATE (:Profile {id: row.id, ws: $ws, status: 'active', created_at: row.created_at,
                  updated_at: row.created_at, version: 1})
WITH count(*) AS profiles
UNWIND $identifiers AS row
MATCH (p:Profile {id: row.profile})
CREATE (:Identifier {key: row.key, ws: $ws, type: row.type, first_seen: row.first_seen,
                     last_seen: row.first_seen, generic: row.generic, blocked: row.blocked})
       -[:OF]->(p)
WITH count(*) AS identifiers
UNWIND $links AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
CREATE (a)-[:LINKED {rule: row.rule, weight: 0.5, count: row.count, first_seen: row.at,
                     last_seen: row.last_seen, source: row.source, followed: row.followed,
                     refusal: row.refusal, decided_at: row.at}]->(b)
WITH count(*) AS links
UNWIND $nevers AS row
MATCH (a:Identifier {key: row.a})
MATCH (b:Identifier {key: row.b})
CREATE (a)-[:NEVER {at: row.at, by: 'seed', reason: 'seed'}]->(b)
RETURN count(*) AS nevers
