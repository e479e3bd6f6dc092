// The definition of one version of a journey, with who saved it and that caller's role.
MATCH (:Journey {key: $ws + ':' + $name})<-[:VERSION_OF]-(v:JourneyVersion {version: $version})
RETURN v.definition AS definition, v.by AS by, v.by_role AS by_role
