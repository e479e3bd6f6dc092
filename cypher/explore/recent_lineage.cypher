// Recent merges and splits in workspace $ws, newest first: the $limit latest MERGED_INTO
// (a merged profile -> its survivor) and SPLIT_FROM (a split-off profile -> its origin) edges,
// with their time and reason (`evidence`, `unlink: ...`, `manual merge: ...`, `block by ...`,
// `re-resolution`, ...) and how many identifiers each profile holds now (a merged one: none).
MATCH (a:Profile {ws: $ws})-[r:MERGED_INTO|SPLIT_FROM]->(b:Profile)
WITH a, r, b
ORDER BY r.at DESC
LIMIT toInteger($limit)
RETURN datetime({epochMillis: toInteger(r.at * 1000)}) AS at, type(r) AS change,
       r.reason AS reason, a.id AS from_profile, COUNT { (a)<-[:OF]-() } AS from_identifiers,
       b.id AS to_profile, COUNT { (b)<-[:OF]-() } AS to_identifiers, a, r, b
ORDER BY at DESC
