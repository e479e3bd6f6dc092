// File suggestions: one per subject and workspace, ever. A subject already filed (open,
// decided or settled) is left as it is. A row is filed only if every identifier and profile
// it names is still there and active (one erased while the scan ran is not named again), and
// a pair of profiles only if no NEVER pair keeps them apart already. Each new suggestion is
// tied to what it is about (ABOUT) and labelled Conflict or MergeSuggestion for Neo4j Browser.
UNWIND $rows AS row
WITH row
WHERE size(row.identifiers) = COUNT {
        MATCH (i:Identifier) WHERE i.key IN row.identifiers AND i.ws = $ws
      }
  AND size(row.profiles) = COUNT {
        MATCH (p:Profile) WHERE p.id IN row.profiles AND p.ws = $ws AND p.status = 'active'
      }
  AND (size(row.profiles) < 2 OR NOT EXISTS {
        MATCH (a:Profile {id: row.profiles[0], ws: $ws})<-[:OF]-(:Identifier)-[:NEVER]-
              (:Identifier)-[:OF]->(b:Profile {id: row.profiles[1], ws: $ws})
      })
MERGE (s:Suggestion {ws: $ws, subject: row.subject})
ON CREATE SET s.id = row.id, s.kind = row.kind, s.status = 'open', s.created_at = $at,
              s.rule = row.rule, s.probability = row.probability, s.weight = row.weight,
              s.verdicts = row.verdicts
WITH s, row
WHERE s.id = row.id
FOREACH (_ IN CASE WHEN row.kind = 'likely_same_person' THEN [1] ELSE [] END |
  SET s:MergeSuggestion)
FOREACH (_ IN CASE WHEN row.kind <> 'likely_same_person' THEN [1] ELSE [] END |
  SET s:Conflict)
WITH s, row
CALL (s, row) {
  UNWIND row.identifiers AS key
  MATCH (i:Identifier {key: key, ws: $ws})
  MERGE (s)-[:ABOUT]->(i)
  RETURN count(*) AS identifiers
}
CALL (s, row) {
  UNWIND row.profiles AS pid
  MATCH (p:Profile {id: pid, ws: $ws})
  MERGE (s)-[:ABOUT]->(p)
  RETURN count(*) AS profiles
}
RETURN count(s) AS filed
