CREATE CONSTRAINT suppression_key IF NOT EXISTS FOR (s:Suppression) REQUIRE s.key IS UNIQUE
