// Blind-index rotation progress: identifiers still under an old kid, and those set aside
// because a value of theirs could not be opened.
MATCH (i:Identifier)
WHERE i.kid IN $old AND i.ws = $ws
RETURN count(i) AS remaining, count(i.rekey_blocked) AS blocked
