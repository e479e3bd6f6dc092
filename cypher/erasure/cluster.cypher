// The subject's part of the graph, from a profile id (a merged id follows its lineage): the
// active profile, every profile merged into it, and its identifiers. An identifier is
// `shared` when it is generic or has evidence with an identifier of another profile (a family
// device): it is unlinked and kept, not erased. A value of a type a profile holds one of
// ($own_types: a user id names one account) is the subject's own unless generic: a refused link
// from it to someone else's address does not make it theirs. `sealed` names the keys a blind-index rotation
// has re-sealed some of the erased identifiers' events for (their data keys go too).
MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
OPTIONAL MATCH (old:Profile)-[:MERGED_INTO*1..64]->(p)
WITH p, collect(DISTINCT old.id) AS merged
OPTIONAL MATCH (p)<-[:OF]-(i:Identifier)
WITH p, merged, collect(i) AS members
CALL {
  WITH members
  UNWIND members AS m
  MATCH (m)<-[:BY]-(e:Event)
  WHERE e.sealed_for IS NOT NULL AND e.sealed_for <> m.key
  RETURN collect(DISTINCT e.sealed_for) AS sealed
}
RETURN p.id AS profile, merged, sealed,
       [i IN members | {key: i.key, type: i.type,
         shared: coalesce(i.generic, false)
                 OR (NOT i.type IN $own_types
                     AND EXISTS { (i)-[:LINKED]-(o:Identifier) WHERE NOT o IN members })}] AS identifiers
