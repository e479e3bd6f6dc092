// Create or replace a destination; its configuration (secrets included) is sealed.
MERGE (d:Destination {key: $ws + ':' + $name})
ON CREATE SET d.ws = $ws, d.name = $name, d.created_at = $at, d.active = false
SET d.kind = $kind, d.purpose = $purpose, d.topics = $topics, d.batch_size = $batch_size,
    d.forward_erasures = $forward_erasures, d.config_enc = $config_enc, d.updated_at = $at
RETURN d.name AS name
