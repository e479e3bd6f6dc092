// Lift every sticky NEVER edge of one identifier (before a relink).
MATCH (i:Identifier {key: $key})-[n:NEVER]-(:Identifier)
DELETE n
RETURN count(n) AS removed
