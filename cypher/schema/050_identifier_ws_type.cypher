CREATE INDEX identifier_ws_type IF NOT EXISTS FOR (i:Identifier) ON (i.ws, i.type)
