// Store events re-sealed under their identifier's new key (`sealed_for` names it until the
// identifier itself is renamed, and after). The caller holds the workspace lock and has left
// out identifiers an erasure holds.
UNWIND $rows AS row
MATCH (e:Event {id: row.id})-[:BY]->(:Identifier {key: row.identifier})
SET e.enc = row.enc, e.sealed_for = row.owner
RETURN count(e) AS resealed
