// Re-apply suppressions from the ledger (after a restore of a graph backup).
UNWIND $rows AS row
MERGE (s:Suppression {key: row.key})
ON CREATE SET s.ws = $ws, s.type = row.type, s.at = row.at, s.request = row.request
RETURN count(s) AS suppressions
