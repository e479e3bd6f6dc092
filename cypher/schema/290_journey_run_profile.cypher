CREATE INDEX journey_run_profile IF NOT EXISTS FOR (r:JourneyRun) ON (r.ws, r.profile)
