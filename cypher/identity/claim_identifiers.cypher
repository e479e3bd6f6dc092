// Claim the identifiers of components decided before the write, first thing after the locks
// (rows in key order): MERGE on the unique key waits for a writer beside this one that is
// creating the same identifier, then finds its node, instead of failing the transaction late.
// Returns the keys found stored (taken): their components are resolved from the graph instead.
// A node this transaction created holds this batch's ciphertext, sealed with a fresh nonce,
// so another `enc` means another writer's node. Attached to profiles by attach_identifiers.
CYPHER replan=skip
UNWIND $rows AS row
MERGE (i:Identifier {key: row.key})
ON CREATE SET
  i.ws = $ws, i.type = row.type, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc,
  i.first_seen = row.first, i.last_seen = row.last, i.generic = row.generic,
  i.blocked = false
WITH row, i
WHERE i.enc <> row.enc
RETURN collect(row.key) AS taken
