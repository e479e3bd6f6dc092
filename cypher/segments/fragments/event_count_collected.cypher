// Fragment (a predicate on profile p) of the decision read (segments/evaluate_many): what
// event_count says, counted in the profile's events the read collected once (`events`: the
// [name, at] pairs of the names its conditions count), not by walking them for every
// condition. The window's start is computed once per profile, bound in a one-item list.
[window_start IN [CASE WHEN $days IS NULL THEN null ELSE (datetime.truncate('day', datetime({epochSeconds: toInteger($now), timezone: CASE WHEN p.t_timezone IN $zones THEN p.t_timezone ELSE 'UTC' END})) - duration({days: $days - 1})).epochSeconds END] | [counted IN [size([x IN events WHERE x[0] = $name AND (window_start IS NULL OR x[1] >= window_start)])] | counted >= $min AND ($max IS NULL OR counted <= $max)][0]][0]
