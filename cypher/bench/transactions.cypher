// The open transactions of one database: what each runs and whether it waits for a lock
// (sampled while resolvers drain the stream, to tell stripe-lock waits from profile waits).
SHOW TRANSACTIONS
YIELD database, currentQuery, status
WHERE database = $database
RETURN currentQuery AS query, status
