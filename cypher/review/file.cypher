// File suggestions: one per subject and workspace, ever. A subject already filed (open,
// decided or settled) is left as it is. Each new one is tied to the identifiers and profiles
// it is about (ABOUT), and labelled Conflict or MergeSuggestion for Neo4j Browser.
UNWIND $rows AS row
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
