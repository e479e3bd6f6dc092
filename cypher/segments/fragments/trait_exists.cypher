// Fragment (a predicate on profile p): a plain trait has a value.
p[$prop] IS NOT NULL
