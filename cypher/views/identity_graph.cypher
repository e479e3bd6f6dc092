// A profile's identity graph for a graph view: its identifiers, and identifiers up to $depth
// evidence hops outside it (at most 3; at most $max_nodes nodes), with every LINKED and NEVER
// edge among them. A merged id follows its lineage.
MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
MATCH (p)<-[:OF]-(m:Identifier)
OPTIONAL MATCH path = (m)-[:LINKED*1..3]-(n:Identifier)
  WHERE length(path) <= $depth
WITH p, collect(DISTINCT m) + collect(DISTINCT n) AS found
UNWIND found AS node
WITH p, collect(DISTINCT node)[..$max_nodes] AS nodes
UNWIND nodes AS a
OPTIONAL MATCH (a)-[r:LINKED|NEVER]->(b:Identifier)
  WHERE b IN nodes
WITH p, nodes, collect(CASE WHEN r IS NULL THEN null ELSE {
  source: a.key, target: b.key, kind: type(r), rule: r.rule, weight: r.weight,
  count: r.count, followed: r.followed, refusal: r.refusal} END) AS edges
RETURN p.id AS profile,
       [x IN nodes | {key: x.key, type: x.type, generic: coalesce(x.generic, false),
                      blocked: coalesce(x.blocked, false),
                      profile: head([(x)-[:OF]->(q:Profile) | q.id])}] AS nodes,
       edges
