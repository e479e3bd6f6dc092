// Move identifiers to their key under the current kid, with the value re-sealed under the
// new key's data key. Returns the profiles whose records are recomputed.
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
SET i.key = row.new_key, i.kid = row.kid, i.hash = row.hash, i.enc = row.enc
WITH i
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN collect(DISTINCT p.id) AS profiles
