// Every identifier of the workspace with its profile: the partition, for checks and exports.
MATCH (i:Identifier {ws: $ws})
OPTIONAL MATCH (i)-[:OF]->(p:Profile)
RETURN i.key AS key, i.type AS type, collect(p.id) AS profiles
