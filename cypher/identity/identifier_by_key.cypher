// One identifier of this workspace by its node key (the keyed hash roles without the right to
// read personal data see instead of the value), with its active profile if any.
MATCH (i:Identifier {key: $key})
WHERE i.ws = $ws
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN i.key AS key, i.type AS type, i.blocked AS blocked, i.generic AS generic,
       p.id AS profile
