// First statement of every identity-writing transaction: take the workspace's write lock.
// Writers of one workspace are serialised here, so each re-reads committed clusters.
CYPHER replan=skip
MERGE (f:ResolverLock {ws: $ws})
ON CREATE SET f.transactions = 0
SET f.transactions = f.transactions + 1, f.at = $at
RETURN f.transactions AS transactions
