// The subject's part of the graph, from a profile id (a merged id follows its lineage): the
// active profile, every profile merged into it, and its identifiers. An identifier is
// `shared` when it is generic or has evidence with an identifier of another profile (a family
// device): it is unlinked and kept, not erased.
MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
OPTIONAL MATCH (old:Profile)-[:MERGED_INTO*1..64]->(p)
WITH p, collect(DISTINCT old.id) AS merged
OPTIONAL MATCH (p)<-[:OF]-(i:Identifier)
WITH p, merged, collect(i) AS members
RETURN p.id AS profile, merged,
       [i IN members | {key: i.key, type: i.type,
         shared: coalesce(i.generic, false)
                 OR EXISTS { (i)-[:LINKED]-(o:Identifier) WHERE NOT o IN members }}] AS identifiers
