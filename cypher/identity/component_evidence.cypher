// Evidence edges and NEVER edges among a set of identifiers.
UNWIND $keys AS k
MATCH (a:Identifier {key: k})-[l:LINKED|NEVER]->(b:Identifier)
WHERE b.key IN $keys
RETURN a.key AS a, b.key AS b, type(l) AS kind, l.rule AS rule, l.first_seen AS at,
       l.count AS count, l.followed AS followed, l.refusal AS refusal,
       l.source AS source, l.last_seen AS last_seen
