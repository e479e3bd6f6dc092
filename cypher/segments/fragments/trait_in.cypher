// Fragment (a predicate on profile p): a plain trait is one of a list of values.
p[$prop] IN $value
