// The open review queue of workspace $ws, newest first, at most $limit suggestions: each
// (labelled Conflict or MergeSuggestion) with what it is about (ABOUT): the contending
// identifiers or the two profiles, and the profiles those identifiers belong to now.
MATCH (s:Suggestion {ws: $ws, status: 'open'})
WITH s ORDER BY s.created_at DESC, s.id
LIMIT toInteger($limit)
MATCH (s)-[about:ABOUT]->(x)
OPTIONAL MATCH (x:Identifier)-[of:OF]->(p:Profile)
RETURN s.kind AS kind, s.rule AS rule, s.probability AS probability,
       datetime({epochMillis: toInteger(s.created_at * 1000)}) AS filed,
       s, about, x, of, p
ORDER BY s.created_at DESC, s.id
