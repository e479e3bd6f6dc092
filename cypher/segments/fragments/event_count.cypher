// Fragment (a predicate on profile p): how many events of a name it has lies between bounds
// ($max null: no upper bound); with $days, only events since local midnight $days - 1 days
// ago, in the profile's time zone (the plain trait `timezone`, when it is a known zone) or UTC.
// The window's start is computed once per profile, and the events counted once, each bound in
// a one-item list (not in the count's WHERE, where it would be computed for every event).
[window_start IN [CASE WHEN $days IS NULL THEN null ELSE (datetime.truncate('day', datetime({epochSeconds: toInteger($now), timezone: CASE WHEN p.t_timezone IN $zones THEN p.t_timezone ELSE 'UTC' END})) - duration({days: $days - 1})).epochSeconds END] | [counted IN [COUNT { (p)<-[:OF]-(:Identifier)<-[:BY]-(e:Event) WHERE e.name = $name AND (window_start IS NULL OR e.at >= window_start) }] | counted >= $min AND ($max IS NULL OR counted <= $max)][0]][0]
