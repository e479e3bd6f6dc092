// Record consent decisions, each hung off the identifier it was given with:
// (:Identifier)-[:GAVE]->(:Consent)-[:FOR]->(:Purpose). A decision repeated on every event
// (a tracker's consent context) is recorded only when it differs from the identifier's
// previous one; explicit decisions (setConsent, the consent event) always are. Ids make
// replays idempotent. Returns how many decisions were new and the profiles they touch.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (i:Identifier {key: row.owner})
USING INDEX SEEK i:Identifier(key)
// The previous decision is found from the identifier (a handful of decisions), never from the
// purpose, which every decision of the workspace points at.
OPTIONAL MATCH (i)-[:GAVE]->(prev:Consent)
  WHERE prev.purpose = row.purpose AND prev.at <= row.at AND prev.id <> row.id
WITH i, row, prev ORDER BY prev.at DESC
WITH i, row, collect(prev)[0] AS latest
WHERE row.explicit OR latest IS NULL OR latest.granted <> row.granted
MERGE (p:Purpose {key: $ws + ':' + row.purpose})
ON CREATE SET p.ws = $ws, p.name = row.purpose, p.created_at = row.recorded_at,
              p.default_granted = false, p.configured = false
MERGE (c:Consent {id: row.id})
ON CREATE SET c.ws = $ws, c.purpose = row.purpose, c.granted = row.granted, c.at = row.at,
              c.source = row.source, c.expires_at = row.expires_at, c.event = row.event,
              c.recorded_at = row.recorded_at, c.new = true
MERGE (i)-[:GAVE]->(c)
MERGE (c)-[:FOR]->(p)
WITH c, i, c.new AS created
REMOVE c.new
WITH i, created
OPTIONAL MATCH (i)-[:OF]->(profile:Profile)
RETURN count(CASE WHEN created THEN 1 END) AS recorded,
       collect(DISTINCT profile.id) AS profiles
