// How many identity-writing transactions took the workspace lock (operations, tests).
MATCH (f:ResolverLock {ws: $ws})
RETURN f.transactions AS transactions, f.at AS at
