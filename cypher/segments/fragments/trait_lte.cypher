// Fragment (a predicate on profile p): a plain trait compared with a value.
p[$prop] <= $value
