//! The live check of a DS record against the DNSKEY RRset its domain publishes.
