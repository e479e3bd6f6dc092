// A write key is unique inside its workspace (two workspaces may share a development key).
CREATE CONSTRAINT source_ws_key_hash IF NOT EXISTS
FOR (s:Source) REQUIRE (s.ws, s.key_hash) IS UNIQUE
