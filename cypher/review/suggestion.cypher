// One suggestion of this workspace by id, with the identifiers it is about (type, flags and
// active profile, never values) and the profiles it is about, merged ids followed.
MATCH (s:Suggestion {id: $id, ws: $ws})
RETURN s {.id, .kind, .status, .created_at, .rule, .probability, .weight, .verdicts,
          .decided_at, .decided_by, .note} AS s,
       [(s)-[:ABOUT]->(i:Identifier) |
         {key: i.key, type: i.type, profile: head([(i)-[:OF]->(p:Profile) | p.id]),
          generic: coalesce(i.generic, false), blocked: coalesce(i.blocked, false)}] AS identifiers,
       [(s)-[:ABOUT]->(p:Profile) |
         coalesce(head([(p)-[:MERGED_INTO*1..32]->(e:Profile {status: 'active'}) | e.id]), p.id)]
         AS profiles
