//! End-to-end tests: the real binary over HTTP.
