CREATE INDEX journey_run_status_wait IF NOT EXISTS FOR (r:JourneyRun) ON (r.ws, r.status, r.wait_until)
