use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};

use crate::columns::{DbInstant, DbOptInstant};
use crate::models::Role;
use crate::schema::api_keys;

/// An API key, without its secret (only a hash is stored).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    /// Id (what audit rows and history name).
    pub id: i64,
    /// The clinic it may act on; `None` for a global admin key.
    pub clinic_id: Option<i64>,
    /// Public lookup prefix (part of the token).
    pub prefix: String,
    /// SHA-256 of the token, hex.
    #[serde(skip)]
    pub secret_hash: String,
    pub role: Role,
    /// Human label.
    pub label: String,
    /// When created.
    #[diesel(deserialize_as = DbInstant)]
    pub created_at: DateTime<Utc>,
    /// When revoked, if revoked.
    #[diesel(deserialize_as = DbOptInstant)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a rotated key stops working (the end of its grace period).
    #[diesel(deserialize_as = DbOptInstant)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether the key is accepted at `now`: not revoked, not past its
    /// grace period.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| now < end)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewApiKey {
    /// The clinic; `None` only for an admin key.
    pub clinic_id: Option<i64>,
    /// Role (not [`Role::System`]).
    pub role: Role,
    /// Human label.
    pub label: String,
}
