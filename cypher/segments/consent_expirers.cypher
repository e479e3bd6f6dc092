// The profiles with a consent decision for one of these purposes that expired between $since
// and $now (segments/fragments/consent: a grant counts until it expires), so that time alone
// may have changed whether they may be used for it.
CYPHER replan=skip
MATCH (c:Consent)
USING INDEX c:Consent(ws, expires_at)
WHERE c.ws = $ws AND c.expires_at > $since AND c.expires_at <= $now
  AND c.purpose IN $purposes
MATCH (c)<-[:GAVE]-(:Identifier)-[:OF]->(p:Profile)
RETURN collect(DISTINCT p.id) AS profiles
