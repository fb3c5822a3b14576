//! canon (being written)
