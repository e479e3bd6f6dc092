// Set an identifier aside from the rotation, with the reason (never a value).
UNWIND $rows AS row
MATCH (i:Identifier {key: row.key})
SET i.rekey_blocked = row.reason
RETURN count(i) AS blocked
