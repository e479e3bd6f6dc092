// First statement of every identity-writing transaction: take one of the workspace's stripe
// locks. Writers on different stripes run side by side (they then lock the profiles they
// reach); the exclusive mode (identity/lock_exclusive) takes every stripe and so waits for
// them all and holds them all off.
CYPHER replan=skip
MERGE (l:WriterLock {id: $id})
ON CREATE SET l.ws = $ws, l.stripe = $stripe, l.transactions = 0
SET l.transactions = l.transactions + 1, l.at = $at
RETURN l.transactions AS transactions
