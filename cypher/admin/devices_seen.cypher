// Tests and operators: every device of workspace $ws with its properties and the identifiers
// seen on it (types in order, with each SEEN_ON edge's times and count), oldest first.
MATCH (d:Device {ws: $ws})
OPTIONAL MATCH (d)<-[s:SEEN_ON]-(i:Identifier)
WITH d, s, i ORDER BY i.type
RETURN properties(d) AS device, labels(d) AS labels, d.first_seen AS first,
       collect(i.type) AS types, collect(properties(s)) AS seen
ORDER BY first, device.key
