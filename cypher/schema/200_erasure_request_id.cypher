CREATE CONSTRAINT erasure_request_id IF NOT EXISTS FOR (r:ErasureRequest) REQUIRE r.id IS UNIQUE
