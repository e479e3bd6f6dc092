CREATE INDEX consent_ws_expires IF NOT EXISTS FOR (c:Consent) ON (c.ws, c.expires_at)
