// Blind-index rotation: a page of events owned by these identifiers that are not yet sealed
// under the identifier's new key. `owner` names the data key that opens each one now.
UNWIND $rows AS row
MATCH (e:Event)-[:BY]->(i:Identifier {key: row.key})
WHERE coalesce(e.sealed_for, i.key) <> row.new_key
WITH e, row, coalesce(e.sealed_for, i.key) AS owner
LIMIT $limit
RETURN e.id AS id, e.enc AS enc, owner, row.key AS identifier
