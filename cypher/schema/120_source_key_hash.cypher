CREATE CONSTRAINT source_key_hash IF NOT EXISTS FOR (s:Source) REQUIRE s.key_hash IS UNIQUE
