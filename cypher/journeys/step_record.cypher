// The record of one visit of a step, if its first attempt got that far.
MATCH (s:JourneyStep {key: $key, ws: $ws})
RETURN s.outcome AS outcome, s.detail AS detail
