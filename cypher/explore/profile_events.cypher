// A profile's $limit most recent events, newest first, with the identifier that owns each
// (a merged id is followed to the profile it was merged into). Payloads are sealed; `type`,
// `name`, `source` and `flags` are plain.
MATCH (start:Profile {id: $id})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(survivor:Profile {status: 'active'})
WITH coalesce(survivor, start) AS p
MATCH (p)<-[of:OF]-(i:Identifier)<-[by:BY]-(e:Event)
WITH p, of, i, by, e
ORDER BY e.at DESC
LIMIT toInteger($limit)
RETURN datetime({epochMillis: toInteger(e.at * 1000)}) AS at, e.type AS type, e.name AS name,
       i.type AS owner, e.source AS source, e.flags AS flags, p, of, i, by, e
ORDER BY at DESC
