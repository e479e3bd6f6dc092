// Record an action taken, skipped or failed for a profile (merged ids follow their lineage),
// with the consent verdict it was given. Journeys and destinations write one per action.
MATCH (start:Profile {id: $profile, ws: $ws})
OPTIONAL MATCH (start)-[:MERGED_INTO*1..32]->(end:Profile {status: 'active'})
WITH coalesce(end, start) AS p
CREATE (p)-[:HAD_ACTION]->(a:ActionRecord {id: $id, ws: $ws, action: $action,
        purpose: $purpose, outcome: $outcome, reason: $reason, at: $at, detail: $detail})
RETURN p.id AS profile
