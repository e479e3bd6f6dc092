// One destination of the workspace (configuration sealed).
MATCH (d:Destination {key: $ws + ':' + $name})
RETURN d.name AS name, d.kind AS kind, d.purpose AS purpose, d.topics AS topics,
       d.batch_size AS batch_size, d.forward_erasures AS forward_erasures,
       d.config_enc AS config_enc, d.active AS active
