// The active profile of a stored event (through its owning identifier); nothing until the
// resolver has written it.
MATCH (e:Event {id: $id, ws: $ws})-[:BY]->(:Identifier)-[:OF]->(p:Profile)
RETURN p.id AS profile
