//! Pieces used by more than one page: the console frame and small UI helpers.

pub mod copy;
pub mod layout;
pub mod ui;
