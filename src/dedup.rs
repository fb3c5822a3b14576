//! Headline matching (being written).
