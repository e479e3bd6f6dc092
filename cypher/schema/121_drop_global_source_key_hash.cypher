// Databases made before write keys were scoped to a workspace had one global constraint.
DROP CONSTRAINT source_key_hash IF EXISTS
