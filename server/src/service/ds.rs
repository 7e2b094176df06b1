//! Domains and their DS records.
