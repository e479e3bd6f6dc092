// Let identifiers set aside by an earlier rotation run be tried again.
MATCH (i:Identifier)
WHERE i.ws = $ws AND i.rekey_blocked IS NOT NULL
REMOVE i.rekey_blocked
RETURN count(i) AS unblocked
