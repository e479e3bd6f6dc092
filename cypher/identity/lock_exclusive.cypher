// The workspace-wide exclusive mode (blind-index rotation): every stripe lock, in stripe
// order, so no other identity-writing transaction of the workspace runs meanwhile.
CYPHER replan=skip
UNWIND range(0, $stripes - 1) AS stripe
WITH stripe ORDER BY stripe
MERGE (l:WriterLock {id: $ws + ':' + stripe})
ON CREATE SET l.ws = $ws, l.stripe = stripe, l.transactions = 0
SET l.transactions = l.transactions + 1, l.at = $at
RETURN count(l) AS stripes
