// Benchmark bulk seeder: $count resolved profiles in one statement, each with one identifier
// per entry of $types (random 64-hex hashes, a fixed dummy $enc, an OF edge to the profile),
// followed identify edges between the identifiers at the index pairs of $links (from the
// smaller key to the larger, as the platform stores them), and $events events BY the last
// identifier (the user id). No plaintext: nothing here was ever a real value.
UNWIND range(1, $count) AS n
WITH n, $at - rand() * $span AS t
CREATE (p:Profile {
  id: randomUUID(), ws: $ws, status: 'active', created_at: t, updated_at: t, version: 1
})
WITH p, t
CALL (p, t) {
  UNWIND $types AS type
  WITH type, replace(randomUUID() + randomUUID(), '-', '') AS hash
  CREATE (i:Identifier {
    key: $ws + ':' + type + ':' + $kid + ':' + hash, ws: $ws, type: type, kid: $kid,
    hash: hash, enc: $enc, first_seen: t, last_seen: t, generic: false, blocked: false
  })-[:OF]->(p)
  RETURN collect(i) AS nodes
}
CALL (nodes, t) {
  UNWIND $links AS link
  WITH nodes[link[0]] AS a, nodes[link[1]] AS b
  CREATE (a)-[:LINKED {
    rule: 'identify', weight: 0.9, count: 1, first_seen: t, last_seen: t, source: 'seed',
    followed: true, decided_at: t
  }]->(b)
}
CALL (nodes, t) {
  WITH nodes[size(nodes) - 1] AS owner, t
  UNWIND range(1, $events) AS k
  CREATE (e:Event {
    id: $ws + ':seed:' + randomUUID(), ws: $ws, type: 'track', name: 'Seeded',
    at: t + k, received_at: t + k, source: 'seed', plain: '{}', enc: $event_enc,
    flags: []
  })-[:BY]->(owner)
}
RETURN count(*) AS profiles
