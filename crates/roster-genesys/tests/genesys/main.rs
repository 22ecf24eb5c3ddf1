//! Integration tests of the Genesys client against the in-process sandbox.
