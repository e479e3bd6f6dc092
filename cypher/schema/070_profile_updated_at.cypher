CREATE INDEX profile_updated_at IF NOT EXISTS FOR (p:Profile) ON (p.updated_at)
