// Tests only: replace a sealed observation value (to prove tampering is detected).
MATCH (o:Observation {key: $key})
SET o.enc = $enc
RETURN o.key AS key
