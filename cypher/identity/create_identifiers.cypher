// Create the identifiers of components decided before the write (every identifier of such a
// component was checked, under the lock, not to be stored), each attached to its profile
// (created by the same transaction) and with its generic flag. CREATE, not MERGE: should one
// exist after all, the unique constraint fails the transaction instead of a silent attach.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (p:Profile {id: row.profile})
USING INDEX SEEK p:Profile(id)
CREATE (i:Identifier {key: row.key, ws: $ws, type: row.type, kid: row.kid, hash: row.hash,
                      enc: row.enc, first_seen: row.first, last_seen: row.last,
                      generic: row.generic, blocked: false})
SET i += row.device
FOREACH (_ IN CASE WHEN row.type = 'device_id' THEN [1] ELSE [] END | SET i:Device)
CREATE (i)-[:OF]->(p)
RETURN count(i) AS created
