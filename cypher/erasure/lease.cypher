// Take (or renew) the right to run an erasure: one runner at a time; a dead runner's lease
// runs out. Returns nothing when another runner holds it or the request is finished. The
// first SET takes the node's write lock before the conditions are read, so two runners
// starting together cannot both see it free.
MATCH (r:ErasureRequest {id: $id, ws: $ws})
SET r.lease_probe = $runner
WITH r
WHERE r.status IN ['requested', 'running']
  AND (r.runner IS NULL OR r.runner = $runner OR r.lease_until < $now)
SET r.runner = $runner, r.lease_until = $until
REMOVE r.lease_probe
RETURN r {.*} AS request
