"""HTTP views: parse with a schema, call one service, dump with a schema."""
