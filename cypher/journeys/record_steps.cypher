// What steps did (history and statistics); one record per run and visit, so a retried job
// finds what its first attempt did.
UNWIND $records AS rec
MERGE (s:JourneyStep {key: rec.key})
ON CREATE SET s.ws = $ws, s.run = rec.run, s.journey = rec.journey, s.profile = rec.profile,
              s.step = rec.step, s.kind = rec.kind, s.started_at = rec.at
SET s.outcome = rec.outcome, s.reason = rec.reason, s.at = rec.at, s.detail = rec.detail
RETURN count(s) AS recorded
