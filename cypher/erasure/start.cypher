// Record the plan on the request and suppress the subject's own identifiers, under the
// workspace lock: from this commit on, ingestion drops every message that names one of them.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.status = 'running', r.started_at = coalesce(r.started_at, $at),
    r.profile_ids = $profiles, r.erase_keys = $erase, r.shared_keys = $shared,
    r.sealed_keys = $sealed,
    r.planned = true, r.plan_counts = $counts
WITH r
UNWIND $suppress AS row
MERGE (s:Suppression {key: row.key})
ON CREATE SET s.ws = $ws, s.type = row.type, s.at = $at, s.request = $id
WITH r, count(s) AS suppressed
SET r.c_suppressed = suppressed
RETURN suppressed
