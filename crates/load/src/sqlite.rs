//! The SQLite C API, as little of it as seeding and the direct baseline
//! need (after `crates/store/benches/booking/sqlite_api.rs`).

use std::ffi::{CStr, CString};
use std::ptr;

use libsqlite3_sys as ffi;

/// The bundled SQLite's version.
pub fn version() -> String {
    unsafe { CStr::from_ptr(ffi::sqlite3_libversion()) }
        .to_string_lossy()
        .into_owned()
}

/// A connection, configured like the store's: WAL, `synchronous = FULL`,
/// foreign keys on, a 30 s busy timeout.
pub struct Db(*mut ffi::sqlite3);

// One connection per thread; never shared.
unsafe impl Send for Db {}

/// A prepared statement of a [`Db`]; it must be dropped before its `Db`
/// (declare it before the `Db` in a struct holding both).
pub struct Stmt {
    raw: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
}

// Used only by the thread owning its connection.
unsafe impl Send for Stmt {}

#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Int(i64),
    /// Text (copied by SQLite).
    Text(&'a str),
    Null,
}

impl Db {
    /// Opens (creating) the file with the store's pragmas.
    pub fn open(path: &str) -> Result<Db, String> {
        let c_path = CString::new(path).map_err(|e| e.to_string())?;
        let mut raw = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        let rc = unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut raw, flags, ptr::null()) };
        let db = Db(raw);
        if rc != ffi::SQLITE_OK {
            return Err(format!("open {path}: {}", db.error()));
        }
        db.exec(
            "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        Ok(db)
    }

    fn error(&self) -> String {
        error(self.0)
    }

    /// Runs one or more statements without results.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        let c_sql = CString::new(sql).map_err(|e| e.to_string())?;
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.0,
                c_sql.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(format!("{}\n  in: {}", self.error(), first_line(sql)));
        }
        Ok(())
    }

    /// Prepares a statement for repeated use.
    pub fn prepare(&self, sql: &str) -> Result<Stmt, String> {
        let c_sql = CString::new(sql).map_err(|e| e.to_string())?;
        let mut raw = ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.0, c_sql.as_ptr(), -1, &mut raw, ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            return Err(format!("{}\n  in: {}", self.error(), first_line(sql)));
        }
        Ok(Stmt { raw, db: self.0 })
    }

    /// The first column of the first row, as text (`None` for no row or NULL).
    pub fn query_text(&self, sql: &str, params: &[Param<'_>]) -> Result<Option<String>, String> {
        let stmt = self.prepare(sql)?;
        stmt.bind(params);
        Ok(stmt.rows()?.into_iter().next().flatten())
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

impl Stmt {
    /// Binds parameters 1.. in order.
    pub fn bind(&self, params: &[Param<'_>]) {
        for (i, p) in params.iter().enumerate() {
            let i = i as i32 + 1;
            unsafe {
                match p {
                    Param::Int(v) => ffi::sqlite3_bind_int64(self.raw, i, *v),
                    // SQLITE_TRANSIENT: SQLite copies the text.
                    Param::Text(v) => ffi::sqlite3_bind_text(
                        self.raw,
                        i,
                        v.as_ptr().cast(),
                        v.len() as i32,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                    Param::Null => ffi::sqlite3_bind_null(self.raw, i),
                };
            }
        }
    }

    /// Steps to completion and resets; returns the first column of every
    /// row as text (every column is read, as a client decoding rows would).
    pub fn rows(&self) -> Result<Vec<Option<String>>, String> {
        let mut out = Vec::new();
        loop {
            match unsafe { ffi::sqlite3_step(self.raw) } {
                ffi::SQLITE_ROW => {
                    let columns = unsafe { ffi::sqlite3_column_count(self.raw) };
                    let mut first = None;
                    for c in 0..columns {
                        let text = unsafe { ffi::sqlite3_column_text(self.raw, c) };
                        if c == 0 && !text.is_null() {
                            first = Some(
                                unsafe { CStr::from_ptr(text.cast()) }
                                    .to_string_lossy()
                                    .into_owned(),
                            );
                        }
                    }
                    out.push(first);
                }
                ffi::SQLITE_DONE => break,
                _ => {
                    let error = error(self.db);
                    unsafe { ffi::sqlite3_reset(self.raw) };
                    return Err(error);
                }
            }
        }
        unsafe {
            ffi::sqlite3_reset(self.raw);
            ffi::sqlite3_clear_bindings(self.raw);
        }
        Ok(out)
    }

    /// Steps to completion; the first column of every row as an integer.
    pub fn ids(&self) -> Result<Vec<i64>, String> {
        self.rows()?
            .into_iter()
            .map(|v| {
                v.and_then(|s| s.parse().ok())
                    .ok_or_else(|| "expected an integer id".to_string())
            })
            .collect()
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_finalize(self.raw) };
    }
}

fn error(db: *mut ffi::sqlite3) -> String {
    unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("")
}
