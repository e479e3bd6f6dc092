CREATE INDEX identifier_kid IF NOT EXISTS FOR (i:Identifier) ON (i.kid)
