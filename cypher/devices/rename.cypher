// Blind-index rotation: a renamed identifier's device takes the key derived from its new key
// (rows {old, new}; the rotation sets aside an identifier whose new key is taken, so no device
// holds the new key yet).
UNWIND $rows AS row
MATCH (d:Device {key: row.old})
WHERE d.ws = $ws
SET d.key = row.new
RETURN count(d) AS renamed
