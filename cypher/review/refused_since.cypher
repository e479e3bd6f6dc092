// Whether any link of this workspace was refused with $refusal since $since (the sweep reads
// the generic identifiers again only then).
RETURN EXISTS {
  MATCH (a:Identifier)-[l:LINKED]->(:Identifier)
  WHERE l.refusal = $refusal AND l.decided_at >= $since AND a.ws = $ws
} AS found
