CREATE INDEX audit_entry_ws_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.ws, a.at)
