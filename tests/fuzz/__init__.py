"""Property-based and fuzz tests for every parser: definitions, conditions, table and VSAQ imports, uploads."""
