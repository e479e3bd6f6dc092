// Fragment (a predicate on profile p): a plain list trait contains a value.
$value IN coalesce(p[$prop], [])
