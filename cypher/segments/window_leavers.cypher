// The profiles with an event that left one of these windows between $since and $now, so that
// time alone may have changed a count over it. An event is in a window of `days` days while it
// is no older than local midnight `days - 1` days before now, in the profile's time zone
// (segments/fragments/event_count): such an event was in at $since and is out at $now. It is
// found by its time first: it is younger than $now minus `days - 1` days, and older than $since
// minus `days - 1` days and one more day (local midnight is at most 25 hours back).
CYPHER replan=skip
UNWIND $windows AS w
MATCH (e:Event)
USING INDEX e:Event(at)
WHERE e.at >= $since - (w.days - 1) * 86400 - 90000 AND e.at < $now - (w.days - 1) * 86400
  AND e.ws = $ws AND e.name = w.name
MATCH (e)-[:BY]->(:Identifier)-[:OF]->(p:Profile)
WITH w, e, p, CASE WHEN p.t_timezone IN $zones THEN p.t_timezone ELSE 'UTC' END AS zone
WHERE e.at >= (datetime.truncate('day', datetime({epochSeconds: toInteger($since), timezone: zone})) - duration({days: w.days - 1})).epochSeconds
  AND e.at < (datetime.truncate('day', datetime({epochSeconds: toInteger($now), timezone: zone})) - duration({days: w.days - 1})).epochSeconds
RETURN collect(DISTINCT p.id) AS profiles
