// Record that every identifier of the workspace is keyed under $kid: ingestion then stops
// looking for identifiers under the other listed kids.
MERGE (s:BlindIndexState {ws: $ws})
SET s.settled_kid = $kid, s.settled_at = $at
RETURN s.settled_kid AS kid
