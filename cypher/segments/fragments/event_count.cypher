// Fragment (a predicate on profile p): how many events of a name it has lies between bounds
// ($max null: no upper bound); with $days, only events since local midnight $days - 1 days
// ago, in the profile's time zone (the plain trait `timezone`, when it is a known zone) or UTC.
COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event) WHERE e.name = $name AND ($days IS NULL OR e.at >= (datetime.truncate('day', datetime({epochSeconds: toInteger($now), timezone: CASE WHEN p.t_timezone IN $zones THEN p.t_timezone ELSE 'UTC' END})) - duration({days: $days - 1})).epochSeconds) } >= $min
AND ($max IS NULL OR COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event) WHERE e.name = $name AND ($days IS NULL OR e.at >= (datetime.truncate('day', datetime({epochSeconds: toInteger($now), timezone: CASE WHEN p.t_timezone IN $zones THEN p.t_timezone ELSE 'UTC' END})) - duration({days: $days - 1})).epochSeconds) } <= $max)
