// Record actions taken, skipped or failed for profiles, one per row (merged ids follow their
// lineage), with the consent verdicts they were given: a batch of journey steps in one write.
// A row whose profile the workspace does not have writes nothing.
UNWIND $rows AS row
MATCH (start:Profile {id: row.profile, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH row, coalesce(end, start) AS p
CREATE (p)-[:HAD_ACTION]->(a:ActionRecord {id: row.id, ws: $ws, action: row.action,
        purpose: row.purpose, outcome: row.outcome, reason: row.reason, at: row.at,
        detail: row.detail})
RETURN a.id AS id
