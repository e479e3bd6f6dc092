CREATE CONSTRAINT destination_key IF NOT EXISTS FOR (d:Destination) REQUIRE d.key IS UNIQUE
