//! As little of the SQLite C API (libsqlite3-sys) as the plain baseline
//! needs: connections configured like the store's, statements prepared
//! once and bound by parameter name.

use std::ffi::{CStr, CString};
use std::ptr;

use libsqlite3_sys as ffi;

pub struct Db(*mut ffi::sqlite3);

// One connection per thread; never shared.
unsafe impl Send for Db {}

/// A prepared statement; drop it before its [`Db`].
pub struct Stmt(*mut ffi::sqlite3_stmt);

impl Db {
    /// Opens (creating) the file with the store's pragmas: WAL,
    /// `synchronous = FULL`, foreign keys on, a 30 s busy timeout.
    pub fn open(path: &str) -> Db {
        let path = CString::new(path).unwrap();
        let mut db = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, ptr::null()) };
        assert_eq!(rc, ffi::SQLITE_OK, "open");
        let db = Db(db);
        db.exec(
            "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        );
        db
    }

    fn error(&self) -> String {
        unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
            .to_string_lossy()
            .into_owned()
    }

    pub fn exec(&self, sql: &str) {
        let sql = CString::new(sql).unwrap();
        let rc = unsafe {
            ffi::sqlite3_exec(self.0, sql.as_ptr(), None, ptr::null_mut(), ptr::null_mut())
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
    }

    pub fn prepare(&self, sql: &str) -> Stmt {
        let sql = CString::new(sql).unwrap();
        let mut stmt = ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(self.0, sql.as_ptr(), -1, &mut stmt, ptr::null_mut())
        };
        assert_eq!(rc, ffi::SQLITE_OK, "{}", self.error());
        Stmt(stmt)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

impl Stmt {
    /// The position of parameter `name` (`:clinic_id`); a statement
    /// without it is a mistake in the SQL file.
    fn at(&self, name: &CStr) -> i32 {
        let i = unsafe { ffi::sqlite3_bind_parameter_index(self.0, name.as_ptr()) };
        assert!(i > 0, "no parameter {name:?}");
        i
    }

    pub fn int(&self, name: &CStr, v: i64) {
        unsafe { ffi::sqlite3_bind_int64(self.0, self.at(name), v) };
    }

    pub fn text(&self, name: &CStr, v: &str) {
        // SQLITE_TRANSIENT: SQLite copies the text.
        unsafe {
            ffi::sqlite3_bind_text(
                self.0,
                self.at(name),
                v.as_ptr().cast(),
                v.len() as i32,
                ffi::SQLITE_TRANSIENT(),
            )
        };
    }

    /// Steps to completion; returns the first column of every row.
    pub fn run(&self, db: &Db) -> Vec<i64> {
        let mut ids = Vec::new();
        loop {
            match unsafe { ffi::sqlite3_step(self.0) } {
                ffi::SQLITE_ROW => ids.push(unsafe { ffi::sqlite3_column_int64(self.0, 0) }),
                ffi::SQLITE_DONE => break,
                _ => panic!("{}", db.error()),
            }
        }
        unsafe { ffi::sqlite3_reset(self.0) };
        ids
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}
