//! The integration tests: the real `frontpage` binary, run in temporary folders against feeds
//! served from a loopback HTTP server (`support::server`). One test binary, as ripgrep does,
//! so the suite links once.

mod support;

mod architecture;
mod commands;
mod corpus;
mod end_to_end;
mod etiquette;
mod failures;
mod faults;
mod publishing;
mod ranking;
mod searching;
mod serving;
mod stories;
mod subscriptions;
