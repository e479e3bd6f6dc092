// Configured purposes as nodes (key ws:name). Configuration sets description and default;
// purposes added through the API or first seen in a tracker's categories keep theirs.
UNWIND $rows AS row
MERGE (p:Purpose {key: $ws + ':' + row.name})
ON CREATE SET p.ws = $ws, p.name = row.name, p.created_at = $at
SET p.description = row.description, p.default_granted = row.default_granted,
    p.configured = row.configured
RETURN count(p) AS purposes
