CREATE INDEX device_ws IF NOT EXISTS FOR (d:Device) ON (d.ws)
