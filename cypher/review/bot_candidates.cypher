// The owners of events stamped since $since that sent more than $min_events events in all
// (read from each identifier's degree: no event is read for it), neither blocked nor filed
// as a bot suspect yet, with that count: the identifiers the bot rate may catch.
MATCH (e:Event)
WHERE e.at >= $since AND e.ws = $ws
MATCH (e)-[:BY]->(i:Identifier)
WITH DISTINCT i
WITH i, COUNT { (i)<-[:BY]-() } AS events
WHERE events > $min_events AND NOT i.blocked
  AND NOT EXISTS { MATCH (:Suggestion {ws: $ws, subject: 'bot:' + i.key}) }
RETURN i.key AS key, events
