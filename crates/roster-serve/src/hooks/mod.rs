//! HR webhooks: who may deliver (per-source verification) and what a delivery says (the
//! event read from its payload through the source's JSON pointers).

pub mod extract;
pub mod verify;
