CREATE INDEX suggestion_ws_status_created IF NOT EXISTS
FOR (s:Suggestion) ON (s.ws, s.status, s.created_at)
