// Remove every node of one workspace, in batches (used by tests and `cdp reset`).
MATCH (n {ws: $ws})
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
