// What the identity rules caught in this workspace, in counts: refused links by their refusal
// (through the index on it), generic identifiers by type, suggestions by kind and status.
CALL () {
  MATCH (a:Identifier)-[l:LINKED]->(:Identifier)
  WHERE l.refusal IS NOT NULL AND a.ws = $ws
  WITH l.refusal AS refusal, count(*) AS links
  ORDER BY refusal
  RETURN collect({refusal: refusal, links: links}) AS refusals
}
CALL () {
  MATCH (g:Identifier {ws: $ws, generic: true})
  WITH g.type AS type, count(*) AS n
  ORDER BY type
  RETURN collect({type: type, count: n}) AS generic
}
CALL () {
  MATCH (s:Suggestion {ws: $ws})
  WITH s.kind AS kind, s.status AS status, count(*) AS n
  ORDER BY kind, status
  RETURN collect({kind: kind, status: status, count: n}) AS suggestions
}
RETURN refusals, generic, suggestions
