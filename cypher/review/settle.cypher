// Close, as settled by $by, the open suggestions of this workspace whose question is gone: a
// likely-same-person pair that is no longer two active profiles (joined, or one merged into a
// third: that pair is a new question), a contended pair whose two values share a profile now,
// or are kept apart by a NEVER pair (an unlink), or one is gone, a generic value blocked or no
// longer generic (or gone), a bot suspect or a profile's anchor at a cap blocked (or gone).
MATCH (s:Suggestion {ws: $ws, status: 'open'})
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
