// How many of a profile's events match the filters of profile_events_page.
MATCH (p:Profile {id: $id, ws: $ws})<-[:OF]-(:Identifier)<-[:BY]-(e:Event)
WHERE ($name IS NULL OR e.name = $name)
  AND ($since IS NULL OR e.at >= $since)
  AND ($until IS NULL OR e.at < $until)
RETURN count(e) AS total
