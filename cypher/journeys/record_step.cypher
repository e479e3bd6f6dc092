// What a step did (history and statistics); one record per run and visit, so a retried job
// finds what its first attempt did.
MERGE (s:JourneyStep {key: $key})
ON CREATE SET s.ws = $ws, s.run = $run, s.journey = $journey, s.profile = $profile,
              s.step = $step, s.kind = $kind, s.started_at = $at
SET s.outcome = $outcome, s.reason = $reason, s.at = $at, s.detail = $detail
RETURN s.key AS key
