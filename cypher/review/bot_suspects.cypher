// Identifiers that sent more than $min_events events within $window seconds of their latest
// one (the bot rate of config/identity.yaml), among the owners of events stamped since $since:
// each with how many events it sent in that window. Blocked identifiers, and those filed
// already, are left out; most active first, at most $limit. An identifier's count of events
// is read first from its degree (no event is read for it); only those over the rate's count
// have the times of their events read.
MATCH (e:Event)
WHERE e.at >= $since AND e.ws = $ws
MATCH (e)-[:BY]->(i:Identifier)
WITH DISTINCT i
WHERE NOT i.blocked AND COUNT { (i)<-[:BY]-() } > $min_events
  AND NOT EXISTS { MATCH (:Suggestion {ws: $ws, subject: 'bot:' + i.key}) }
CALL (i) {
  MATCH (i)<-[:BY]-(x:Event)
  WITH max(x.at) AS latest, collect(x.at) AS times
  RETURN size([t IN times WHERE t > latest - $window]) AS recent
}
WITH i, recent
WHERE recent > $min_events
RETURN i.key AS key, i.type AS type, recent
ORDER BY recent DESC, key
LIMIT toInteger($limit)
