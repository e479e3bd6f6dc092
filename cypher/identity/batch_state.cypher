// Under the workspace lock: which of a batch's events are already stored (replays add no
// evidence), which of its identifier keys are suppressed (their subject was erased), and,
// during a blind-index rotation ($identifiers), which of the keys are stored identifiers.
CYPHER replan=skip
CALL {
  UNWIND $ids AS id
  MATCH (e:Event {id: id})
  USING INDEX SEEK e:Event(id)
  RETURN collect(e.id) AS ids
}
CALL {
  UNWIND $keys AS key
  MATCH (s:Suppression {key: key})
  USING INDEX SEEK s:Suppression(key)
  RETURN collect(s.key) AS suppressed
}
CALL {
  UNWIND CASE WHEN $identifiers THEN $keys ELSE [] END AS key
  MATCH (i:Identifier {key: key})
  USING INDEX SEEK i:Identifier(key)
  RETURN collect(i.key) AS present
}
RETURN ids, suppressed, present
