// The names of every index and constraint in the database (a uniqueness constraint's backing
// index carries the constraint's name): what cypher/schema/ statements need not run again.
SHOW INDEXES YIELD name
RETURN collect(name) AS names
