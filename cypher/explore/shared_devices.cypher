// Shared devices of workspace $ws: devices and browsers seen with more than one profile (a
// family tablet, a shop's kiosk, a borrowed phone), the $limit seen with most profiles first.
// Each row: the device's kind and facts, how many profiles and events, and for the graph view
// the identifiers seen on it (SEEN_ON) with their profiles (OF).
MATCH (d:Device {ws: $ws})
WITH d, size(COLLECT {
  MATCH (d)<-[:SEEN_ON]-(:Identifier)-[:OF]->(p:Profile)
  RETURN DISTINCT p.id
}) AS profiles
WHERE profiles > 1
ORDER BY profiles DESC, d.last_seen DESC, d.key
LIMIT toInteger($limit)
MATCH (d)<-[seen:SEEN_ON]-(i:Identifier)-[of:OF]->(p:Profile)
RETURN d.kind AS kind, d.type AS type, d.model AS model, d.os_name AS os,
       d.browser_name AS browser, profiles, d.events AS events,
       d, collect(seen) AS seen, collect(i) AS identifiers, collect(of) AS of,
       collect(DISTINCT p) AS profile_nodes
ORDER BY profiles DESC, d.last_seen DESC, d.key
