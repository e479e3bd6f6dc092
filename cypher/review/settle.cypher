// Close, as settled by $by, the open suggestions of this workspace whose question is gone: a
// likely-same-person pair that is no longer two active profiles (joined, or one merged into a
// third: that pair is a new question), a contended pair whose two values share a profile now,
// or are kept apart by a NEVER pair (an unlink), or one is gone, a generic value blocked or no
// longer generic (or gone), a bot suspect or a profile's anchor at a cap blocked (or gone).
// One page: the $limit open suggestions after ($after_at, $after_id) in (created_at, id)
// order ($after_at null: from the first), so a pass reads a bounded number however long the
// queue; returns how many it settled and read, and the last one read.
MATCH (s:Suggestion)
WHERE s.ws = $ws AND s.status = 'open'
  AND ($after_at IS NULL OR s.created_at > $after_at
       OR (s.created_at = $after_at AND s.id > $after_id))
WITH s ORDER BY s.created_at, s.id LIMIT toInteger($limit)
WITH collect(s) AS page
CALL (page) {
  UNWIND page AS s
  WITH s, [(s)-[:ABOUT]->(p:Profile) | p] AS profiles,
       [(s)-[:ABOUT]->(i:Identifier) | i] AS identifiers
  WITH s, profiles, identifiers,
       [i IN identifiers | head([(i)-[:OF]->(p:Profile) | p.id])] AS homes
  WHERE CASE s.kind
    WHEN 'likely_same_person' THEN
      size(profiles) < 2 OR any(p IN profiles WHERE p.status <> 'active')
    WHEN 'contended_identifier' THEN
      size(identifiers) < 2 OR (homes[0] IS NOT NULL AND homes[0] = homes[1])
      OR EXISTS { (x:Identifier)-[:NEVER]-(y:Identifier)
                  WHERE x = identifiers[0] AND y = identifiers[1] }
    WHEN 'bot_suspect' THEN
      size(identifiers) < 1 OR coalesce(identifiers[0].blocked, false)
    WHEN 'profile_at_cap' THEN
      size(identifiers) < 1 OR coalesce(identifiers[0].blocked, false)
    ELSE
      size(identifiers) < 1 OR coalesce(identifiers[0].blocked, false)
      OR NOT coalesce(identifiers[0].generic, false)
  END
  SET s.status = 'settled', s.decided_at = $at, s.decided_by = $by
  RETURN count(s) AS settled
}
RETURN settled, size(page) AS read,
       CASE WHEN size(page) = 0 THEN null ELSE last(page).created_at END AS last_at,
       CASE WHEN size(page) = 0 THEN null ELSE last(page).id END AS last_id
