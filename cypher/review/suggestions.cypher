// The review queue, newest first: suggestions of this workspace with a status in $statuses
// and kind $kind (null: any), from $offset, at most $limit; each with the identifiers it is
// about (type, flags and active profile, never values) and the profiles it is about, merged
// ids followed to the profile they joined.
MATCH (s:Suggestion {ws: $ws})
WHERE s.status IN $statuses AND s.created_at IS NOT NULL
  AND ($kind IS NULL OR s.kind = $kind)
WITH s ORDER BY s.created_at DESC, s.id
SKIP toInteger($offset) LIMIT toInteger($limit)
RETURN s {.id, .kind, .status, .created_at, .rule, .probability, .weight, .verdicts,
          .decided_at, .decided_by, .note} AS s,
       [(s)-[:ABOUT]->(i:Identifier) |
         {key: i.key, type: i.type, profile: head([(i)-[:OF]->(p:Profile) | p.id]),
          generic: coalesce(i.generic, false), blocked: coalesce(i.blocked, false)}] AS identifiers,
       [(s)-[:ABOUT]->(p:Profile) |
         coalesce(head([(p)-[:MERGED_INTO*1..32]->(e:Profile {status: 'active'}) | e.id]), p.id)]
         AS profiles
ORDER BY s.created_at DESC, s.id
