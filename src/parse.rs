//! parse (being written)
