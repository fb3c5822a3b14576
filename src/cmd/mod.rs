//! cmd (being written)
