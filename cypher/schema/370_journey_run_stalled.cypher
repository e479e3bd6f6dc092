CREATE INDEX journey_run_status_updated IF NOT EXISTS FOR (r:JourneyRun) ON (r.ws, r.status, r.updated_at)
