//! Writers at once: on SQLite those queued behind a writer share its
//! commit. Whatever the sharing, every write answered `Ok` is stored and
//! every write answered otherwise (failed, panicked, or lost with a commit
//! it shared) left nothing.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use chairside_store::{Store, StoreError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use chairside_testkit::backend_test;

const THREADS: i64 = 8;
const WRITES_EACH: i64 = 40;

/// Each write stores one row under its own id (a turn row: no references).
fn id_of(thread: i64, write: i64) -> i64 {
    1_000_000 + thread * 1_000 + write
}

/// The write `(thread, write)`: stores its row, then fails every fifth
/// time and panics every seventeenth.
fn one_write(store: &Store, thread: i64, write: i64) -> Result<(), StoreError> {
    let id = id_of(thread, write);
    store.write(|conn| {
        conn.batch_execute(&format!(
            "INSERT INTO clinic_turns (clinic_id, changes) VALUES ({id}, 0)"
        ))?;
        if write % 17 == 16 {
            panic!("a writer's bug, mid-transaction");
        }
        match write % 5 {
            4 => Err(StoreError::Invalid("refused after writing".into())),
            _ => Ok(()),
        }
    })
}

/// Runs every thread's writes at once; answers the ids answered `Ok`.
fn all_at_once(store: &Store) -> BTreeSet<i64> {
    let (started, all_started) = mpsc::channel();
    let answered: Vec<BTreeSet<i64>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let started = started.clone();
                scope.spawn(move || {
                    started.send(()).unwrap();
                    (0..WRITES_EACH)
                        .filter(|&write| {
                            let done =
                                catch_unwind(AssertUnwindSafe(|| one_write(store, thread, write)));
                            matches!(done, Ok(Ok(())))
                        })
                        .map(|write| id_of(thread, write))
                        .collect()
                })
            })
            .collect();
        for _ in 0..THREADS {
            all_started.recv().unwrap();
        }
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    answered.into_iter().flatten().collect()
}

fn stored_ids(store: &Store) -> BTreeSet<i64> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        clinic_id: i64,
    }
    store
        .read(|conn| {
            diesel::sql_query("SELECT clinic_id FROM clinic_turns WHERE clinic_id >= 1000000")
                .load::<Row>(conn)
                .map_err(StoreError::from)
        })
        .unwrap()
        .into_iter()
        .map(|row| row.clinic_id)
        .collect()
}

backend_test! {
    fn every_write_answered_ok_is_stored_and_no_other(db) {
        let answered = all_at_once(&db.store);
        // 1 write in 5 fails and 1 in 17 panics: many succeed, not all.
        assert!(answered.len() > (THREADS * WRITES_EACH / 2) as usize, "{}", answered.len());
        assert!(answered.len() < (THREADS * WRITES_EACH) as usize);
        assert_eq!(stored_ids(&db.store), answered);
    }
}

/// With writers queued behind it, a writer's commit carries theirs: fewer
/// commits than writes.
#[test]
fn queued_sqlite_writers_share_commits() {
    let db = chairside_testkit::TestStore::sqlite();
    let before = db.store.commits().expect("SQLite counts its commits");
    let store = &db.store;
    let (release, held) = mpsc::channel::<()>();
    let (holding, writing) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        // The first writer waits, mid-transaction, for the others to queue.
        let first = scope.spawn(move || {
            store.write(|_| {
                holding.send(()).unwrap();
                held.recv_timeout(Duration::from_secs(30)).ok();
                Ok::<_, StoreError>(())
            })
        });
        writing.recv().unwrap();
        let others: Vec<_> = (0..4)
            .map(|write| scope.spawn(move || one_write(store, 99, write)))
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while store.writers_queued() != Some(4) {
            assert!(
                std::time::Instant::now() < deadline,
                "the others never queued"
            );
            std::thread::yield_now();
        }
        release.send(()).unwrap();
        first.join().unwrap().unwrap();
        for other in others {
            other.join().unwrap().unwrap();
        }
    });
    let after = db.store.commits().unwrap();
    assert_eq!(after.writes - before.writes, 5);
    // Each finds writers queued behind it but the last, which commits all.
    assert_eq!(after.commits - before.commits, 1);
    assert_eq!(stored_ids(&db.store).len(), 4);
}

/// A SQLite file is checkpointed by the store's thread: a writer copies
/// the WAL back into the database only if that falls far behind.
#[test]
fn a_sqlite_file_is_checkpointed_off_the_write_path() {
    use diesel::sql_types::Integer;
    #[derive(QueryableByName)]
    struct Pages {
        #[diesel(sql_type = Integer)]
        wal_autocheckpoint: i32,
    }
    let db = chairside_testkit::TestStore::sqlite();
    let pages = db
        .store
        .read(|conn| {
            diesel::sql_query("PRAGMA wal_autocheckpoint")
                .get_result::<Pages>(conn)
                .map_err(StoreError::from)
        })
        .unwrap();
    assert_eq!(
        pages.wal_autocheckpoint, 8192,
        "writers leave checkpoints to the store"
    );
    let before = db
        .store
        .checkpoints()
        .expect("a SQLite file is checkpointed");
    for write in 0..4 {
        one_write(&db.store, 98, write).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while db.store.checkpoints().unwrap() <= before {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint in a minute"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(stored_ids(&db.store).len(), 4);
}

/// The bundled SQLite is built as `.cargo/config.toml` says: it keeps each
/// statement's plan (without the query planner stability guarantee,
/// binding `LIMIT ?` again re-prepares the statement, and diesel binds on
/// every run), and keeps statement journals in memory (a writer sharing a
/// commit wrote its savepoint's journal to a file).
#[test]
fn sqlite_is_built_for_our_writes() {
    use diesel::sql_types::Text;
    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }
    let db = chairside_testkit::TestStore::sqlite();
    let options = db
        .store
        .read(|conn| {
            diesel::sql_query("PRAGMA compile_options")
                .load::<CompileOption>(conn)
                .map_err(StoreError::from)
        })
        .unwrap();
    let options: Vec<String> = options.into_iter().map(|o| o.compile_options).collect();
    assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    assert!(
        options.iter().any(|o| o == "STMTJRNL_SPILL=-1"),
        "{options:?}"
    );
}
