// For each identifier key of this workspace in $keys: its type and how many of its events
// are stamped within $window seconds of its latest one.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
WHERE i.ws = $ws
CALL (i) {
  MATCH (i)<-[:BY]-(x:Event)
  WITH max(x.at) AS latest, collect(x.at) AS times
  RETURN size([t IN times WHERE t > latest - $window]) AS recent
}
RETURN i.key AS key, i.type AS type, recent
