CREATE INDEX profile_ws_status IF NOT EXISTS FOR (p:Profile) ON (p.ws, p.status)
