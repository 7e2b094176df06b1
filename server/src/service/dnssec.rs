//! Signing keys of hosted zones.
