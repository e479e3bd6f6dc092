// The names of every constraint in the database (see admin/list_schema_names).
SHOW CONSTRAINTS YIELD name
RETURN collect(name) AS names
