// Tests only: what workspace $ws holds, to compare before and after: every node whose ws is
// $ws or whose key or id starts with "$ws:", with its labels and properties, and every
// relationship touching it in either direction (type, properties, the node at its other end).
MATCH (n)
WHERE n.ws = $ws OR n.key STARTS WITH $ws + ':' OR n.id STARTS WITH $ws + ':'
CALL (n) {
  OPTIONAL MATCH (n)-[r]-(m)
  WITH r, m ORDER BY type(r), elementId(m), elementId(r)
  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {
    type: type(r), out: startNode(r) = n, props: properties(r), other: elementId(m)
  } END) AS rels
}
RETURN elementId(n) AS node, labels(n) AS labels, properties(n) AS props, rels
ORDER BY node
