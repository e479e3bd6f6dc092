// Under the workspace lock: which of a batch's events are already stored (replays add no
// evidence), and which of its identifier keys are suppressed (their subject was erased).
CALL {
  UNWIND $ids AS id
  MATCH (e:Event {id: id})
  RETURN collect(e.id) AS ids
}
CALL {
  UNWIND $keys AS key
  MATCH (s:Suppression {key: key})
  RETURN collect(s.key) AS suppressed
}
RETURN ids, suppressed
