//! Popularity scores (being written).
