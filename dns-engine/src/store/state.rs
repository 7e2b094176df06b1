//! A node's state directory (`dns-engine --state-dir`): the rows of every zone it serves and
//! its position in the change log, so that a restarted node builds its zones from disk and
//! catches up from its last id instead of loading everything from the store.
//!
//! Layout: `zones/<hex of the zone name>.json` (one [`ZoneData`] each), `reverse.json` (the
//! reverse-DNS rows every zone shares), `position.json` (the last applied id, the holes, and
//! the schema version). Every file is written to a temporary name and renamed, so each is
//! whole; the position is written last, after the zones it covers, so it never claims more
//! than the zone files hold — a crash between the two only repeats the entries after it. A
//! directory written for another schema version, or unreadable, is ignored (a full load).
//!
//! The directory holds the zones' signing keys: it is created readable by its owner only.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::follow::LogPosition;
use super::load::ZoneData;
use super::reverse::{ReverseData, ReverseRows};

/// The state directory of a node (cheap to clone).
#[derive(Clone, Debug)]
pub struct StateDir {
    dir: PathBuf,
    schema: i64,
}

#[derive(Serialize, Deserialize)]
struct SavedPosition {
    schema: i64,
    last: i64,
    holes: Vec<i64>,
}

/// What a state directory held.
pub struct Saved {
    pub position: LogPosition,
    pub zones: Vec<ZoneData>,
}

impl StateDir {
    /// Opens (creating) the directory at `dir`, for a store at schema version `schema`.
    pub fn open(dir: &Path, schema: i64) -> io::Result<StateDir> {
        fs::create_dir_all(dir.join("zones"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(StateDir {
            dir: dir.to_path_buf(),
            schema,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn zone_file(&self, name: &str) -> PathBuf {
        let hex = hex::encode(name);
        self.dir.join("zones").join(format!("{hex}.json"))
    }

    /// Writes `value` as JSON to `path`, whole or not at all.
    fn write(path: &Path, value: &impl Serialize) -> io::Result<()> {
        let tmp = path.with_extension("json.tmp");
        let mut file = io::BufWriter::new(fs::File::create(&tmp)?);
        serde_json::to_writer(&mut file, value).map_err(io::Error::other)?;
        file.flush()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        fs::rename(&tmp, path)
    }

    fn read<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<T> {
        let file = io::BufReader::new(fs::File::open(path)?);
        serde_json::from_reader(file).map_err(io::Error::other)
    }

    /// Saves a zone that was (re)loaded.
    pub fn save_zone(&self, zone: &ZoneData) -> io::Result<()> {
        Self::write(&self.zone_file(zone.name()), zone)
    }

    /// Forgets a zone that is no longer served.
    pub fn remove_zone(&self, name: &str) -> io::Result<()> {
        match fs::remove_file(self.zone_file(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Saves the reverse-DNS rows the zones share.
    pub(super) fn save_reverse(&self, reverse: &ReverseData) -> io::Result<()> {
        Self::write(&self.dir.join("reverse.json"), reverse.rows())
    }

    /// Saves the log position: call after the zones it covers are saved.
    pub fn save_position(&self, position: &LogPosition) -> io::Result<()> {
        let saved = SavedPosition {
            schema: self.schema,
            last: position.last,
            holes: position.missing.clone(),
        };
        Self::write(&self.dir.join("position.json"), &saved)
    }

    /// Replaces everything with the zones of a full load (and their position).
    pub(super) fn replace_all(
        &self,
        zones: &[ZoneData],
        reverse: &ReverseData,
        position: &LogPosition,
    ) -> io::Result<()> {
        // The old position goes first: a crash half-way leaves a directory that is ignored.
        match fs::remove_file(self.dir.join("position.json")) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut keep = BTreeSet::new();
        for zone in zones {
            self.save_zone(zone)?;
            keep.insert(self.zone_file(zone.name()));
        }
        for entry in fs::read_dir(self.dir.join("zones"))? {
            let path = entry?.path();
            if !keep.contains(&path) {
                fs::remove_file(&path)?;
            }
        }
        self.save_reverse(reverse)?;
        self.save_position(position)
    }

    /// What the directory holds, if it is complete and of this schema version.
    pub fn load(&self) -> io::Result<Option<Saved>> {
        let position: SavedPosition = match Self::read(&self.dir.join("position.json")) {
            Ok(position) => position,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if position.schema != self.schema {
            tracing::info!(
                saved = position.schema,
                store = self.schema,
                "the state directory is of another schema version; loading everything"
            );
            return Ok(None);
        }
        let rows: ReverseRows = Self::read(&self.dir.join("reverse.json"))?;
        let reverse = Arc::new(ReverseData::from_rows(rows));
        let mut zones = Vec::new();
        for entry in fs::read_dir(self.dir.join("zones"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let mut zone: ZoneData = Self::read(&path)?;
                zone.set_reverse(reverse.clone());
                zones.push(zone);
            }
        }
        Ok(Some(Saved {
            position: LogPosition {
                last: position.last,
                missing: position.holes,
            },
            zones,
        }))
    }
}
