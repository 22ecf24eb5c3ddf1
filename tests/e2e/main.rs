//! End-to-end tests: the real `roster` binary against fixtures and the in-process sandbox.

mod validate;
