// The actions recorded for a profile (and the profiles merged into it), newest first.
MATCH (start:Profile {id: $id, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
OPTIONAL MATCH (old:Profile)-[:MERGED_INTO*1..64]->(p)
WITH p, collect(DISTINCT old) AS merged
UNWIND [p] + merged AS q
MATCH (q)-[:HAD_ACTION]->(a:ActionRecord)
RETURN a.id AS id, a.action AS action, a.purpose AS purpose, a.outcome AS outcome,
       a.reason AS reason, a.at AS at, a.detail AS detail
ORDER BY a.at DESC, a.id DESC
LIMIT $limit
