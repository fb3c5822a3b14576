//! frontpage: fetches the feeds listed in `feeds.toml` into SQLite, merges entries that are the
//! same story, ranks stories and publishes one merged feed.
//!
//! The modules are listed in pipeline order. Each external crate belongs to exactly one of
//! them (see ARCHITECTURE.md): `config` owns `toml`, `fetch` owns `reqwest`, `parse` owns
//! `feed_rs`, `store` owns `rusqlite`, `publish` owns `rss`, `atom_syndication` and `ammonia`,
//! `cli` owns `clap`.

pub mod config;
pub mod opml;
pub mod discover;
pub mod model;

pub mod fetch;
pub mod parse;
pub mod canon;
pub mod dedup;
pub mod schedule;
pub mod store;
pub mod pipeline;
pub mod rank;
pub mod publish;
pub mod serve;

pub mod cli;
pub mod cmd;
