//! The chain domain: block timing (`#[time_block]`), sync, transaction pool, peers and
//! migration.
