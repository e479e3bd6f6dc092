// Fragment (a predicate on profile p): it may be used for a purpose now: the latest decision
// across its identifiers grants it and has not expired (a tie in time is a denial); with no
// decision, the purpose's default.
coalesce(head(COLLECT {
  MATCH (p)<-[:OF]-(:Identifier)-[:GAVE]->(c:Consent {purpose: $purpose})
  WITH c ORDER BY c.at DESC, c.granted ASC LIMIT 1
  RETURN c.granted AND (c.expires_at IS NULL OR c.expires_at > $now)
}), $default)
