// Fragment (a predicate on profile p): a plain trait has no value.
p[$prop] IS NULL
