// After an erasure, entries that named the subject's profiles name the erasure instead.
MATCH (a:AuditEntry {ws: $ws})
WHERE a.target IN $targets
SET a.target = $replacement
RETURN count(a) AS redacted
