"""Avro schema files shipped with the package (byte-identical copies of the root schemas/)."""
