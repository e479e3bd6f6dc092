// Under the workspace lock: which of a batch's events are already stored (replays add no
// evidence), which of its identifier keys are suppressed (their subject was erased), and
// which of the keys in $identifiers are stored identifiers (the keys of components decided
// before the lock, and during a blind-index rotation every key).
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
  UNWIND $identifiers AS key
  MATCH (i:Identifier {key: key})
  USING INDEX SEEK i:Identifier(key)
  RETURN collect(i.key) AS present
}
RETURN ids, suppressed, present
