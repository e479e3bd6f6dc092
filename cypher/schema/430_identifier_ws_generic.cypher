// The review queue's sweep and `genericIdentifiers` find generic identifiers by this.
CREATE INDEX identifier_ws_generic IF NOT EXISTS FOR (i:Identifier) ON (i.ws, i.generic)
