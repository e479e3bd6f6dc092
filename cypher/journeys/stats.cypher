// Per-step statistics of a journey: how many visits ended in each outcome.
MATCH (s:JourneyStep {ws: $ws, journey: $journey})
RETURN s.step AS step, s.outcome AS outcome, count(*) AS count
ORDER BY step, outcome
