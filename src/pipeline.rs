//! pipeline (being written)
