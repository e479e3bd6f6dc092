// A page of a segment's members after a cursor (id order).
MATCH (p:Profile)-[m:IN_SEGMENT]->(:Segment {key: $key})
WHERE p.id > $after
RETURN p.id AS id, m.since AS since
ORDER BY p.id
LIMIT $limit
