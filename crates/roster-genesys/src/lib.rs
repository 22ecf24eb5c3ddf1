//! roster-genesys.
