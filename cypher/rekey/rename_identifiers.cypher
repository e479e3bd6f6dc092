// Move identifiers to their key under the current kid, with the value re-sealed under the
// new key's data key. A review-queue suggestion about one is named again by the new keys,
// so a decided question is not asked again. Returns the profiles whose records are
// recomputed.
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
SET i.key = row.new_key, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc
WITH i
CALL (i) {
  MATCH (s:Suggestion)-[:ABOUT]->(i)
  WHERE s.kind IN ['contended_identifier', 'generic_value', 'bot_suspect', 'profile_at_cap']
  WITH DISTINCT s
  CALL (s) {
    MATCH (s)-[:ABOUT]->(x:Identifier)
    WITH x.key AS key ORDER BY key
    RETURN collect(key) AS keys
  }
  SET s.subject = CASE s.kind
    WHEN 'generic_value' THEN 'generic:' + keys[0]
    WHEN 'bot_suspect' THEN 'bot:' + keys[0]
    WHEN 'profile_at_cap' THEN 'at_cap:' + keys[0]
    ELSE 'contended:' + keys[0] + '|' + keys[1]
  END
  RETURN count(*) AS renamed
}
WITH i
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN collect(DISTINCT p.id) AS profiles
