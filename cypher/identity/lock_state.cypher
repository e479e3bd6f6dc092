// How many identity-writing transactions took the workspace's stripe locks (operations, tests).
MATCH (l:WriterLock {ws: $ws})
RETURN sum(l.transactions) AS transactions, max(l.at) AS at, count(l) AS stripes
