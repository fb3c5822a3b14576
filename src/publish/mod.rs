//! publish (being written)
