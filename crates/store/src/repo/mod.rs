//! Repository functions, one module per aggregate.
//!
//! Each takes `&mut DbConnection` and the clinic it acts in: every query is
//! scoped by `clinic_id`. Updates of mutable rows take the version the caller
//! read and fail with [`StoreError::StaleVersion`] if it moved on.

pub mod api_keys;
pub mod audit;
pub mod backfill;
pub mod calendar;
pub mod chairs;
pub mod clinics;
pub mod closures;
pub mod courses;
pub mod floor;
pub mod held_times;
pub mod idempotency;
pub mod imported;
pub mod measures;
pub mod monitoring;
pub mod notices;
pub mod outbox;
pub mod patients;
pub mod protocols;
pub mod reminders;
pub mod rems_forms;
pub mod sessions;
pub mod staff;
pub mod webhooks;

use std::collections::BTreeSet;

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::backend::DbConnection;
use crate::error::StoreError;

/// Refuses to run a multi-statement write outside a transaction, where it
/// would not be atomic.
pub(crate) fn require_transaction(conn: &mut DbConnection) -> Result<(), StoreError> {
    let depth = match conn {
        DbConnection::Postgresql(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    };
    match depth {
        Ok(Some(_)) => Ok(()),
        _ => Err(StoreError::Internal(
            "this write must run inside Store::write".into(),
        )),
    }
}

/// The error for a versioned update that matched no row.
pub(crate) fn version_miss(exists: bool, entity: &'static str, id: i64) -> StoreError {
    if exists {
        StoreError::StaleVersion { entity, id }
    } else {
        StoreError::not_found(entity)
    }
}

/// Each id once, ascending: the clinics of a batch of rows, to look them
/// up by a key that starts with the clinic.
pub(crate) fn distinct(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    ids.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
