// Evidence edges run from the smaller key to the larger (merge_evidence relies on it): after
// a rename, turn round the ones that now point the other way.
UNWIND $keys AS k
MATCH (i:Identifier {key: k})-[l:LINKED]-(:Identifier)
WITH DISTINCT l
WITH l, startNode(l) AS a, endNode(l) AS b
WHERE a.key > b.key
CREATE (b)-[m:LINKED]->(a)
SET m = properties(l)
DELETE l
RETURN count(m) AS turned
