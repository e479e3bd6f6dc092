// Lift a suppression (a person who returns and consents); returns whether one existed.
MATCH (s:Suppression {key: $key, ws: $ws})
DELETE s
RETURN count(*) AS lifted
