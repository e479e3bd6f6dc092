// Start or stop deliveries to a destination (its outbox keeps filling while stopped).
MATCH (d:Destination {key: $ws + ':' + $name})
SET d.active = $active, d.updated_at = $at
RETURN d.name AS name
