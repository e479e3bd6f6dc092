CREATE CONSTRAINT journey_run_active IF NOT EXISTS FOR (r:JourneyRun) REQUIRE r.active_key IS UNIQUE
