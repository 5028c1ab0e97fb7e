//! How Rust values become column values and back, identically on both
//! backends.
//!
//! * Instants: `DateTime<Utc>` in Rust, a `Timestamp` column holding UTC at
//!   whole-second precision. Truncating on write makes both backends return
//!   exactly what was stored, and gives SQLite one fixed text shape
//!   (`YYYY-MM-DD HH:MM:SS`) whose text order is time order.
//! * JSON documents: `serde_json::Value` in Rust, a `Text` column.
//! * Enumerations: Rust enums, `Text` columns with CHECK constraints.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::sql_types::{Nullable, Text, Timestamp};

use crate::backend::MultiBackend;

type RawValue<'a> = <MultiBackend as diesel::backend::Backend>::RawValue<'a>;

/// The column value for an instant: UTC, whole seconds.
pub(crate) fn instant(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(0).naive_utc()
}

/// Truncates an instant the way the store will store it.
pub fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// The column value for a JSON document.
pub(crate) fn json(v: &serde_json::Value) -> String {
    v.to_string()
}

/// Now, as the store stores it.
pub(crate) fn now() -> NaiveDateTime {
    instant(Utc::now())
}

/// Reads a `Timestamp` column into a UTC instant.
#[derive(Debug, FromSqlRow)]
pub struct DbInstant(DateTime<Utc>);

impl FromSql<Timestamp, MultiBackend> for DbInstant {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let naive = <NaiveDateTime as FromSql<Timestamp, MultiBackend>>::from_sql(bytes)?;
        Ok(DbInstant(naive.and_utc()))
    }
}

impl From<DbInstant> for DateTime<Utc> {
    fn from(v: DbInstant) -> Self {
        v.0
    }
}

/// Reads a `Nullable<Timestamp>` column into an optional UTC instant.
#[derive(Debug, FromSqlRow)]
pub struct DbOptInstant(Option<DateTime<Utc>>);

impl FromSql<Nullable<Timestamp>, MultiBackend> for DbOptInstant {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        Ok(DbOptInstant(Some(DbInstant::from_sql(bytes)?.0)))
    }

    fn from_nullable_sql(bytes: Option<RawValue<'_>>) -> diesel::deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(DbOptInstant(None)),
        }
    }
}

impl From<DbOptInstant> for Option<DateTime<Utc>> {
    fn from(v: DbOptInstant) -> Self {
        v.0
    }
}

/// Reads a `Text` column holding JSON.
#[derive(Debug, FromSqlRow)]
pub struct DbJson(serde_json::Value);

impl FromSql<Text, MultiBackend> for DbJson {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Ok(DbJson(serde_json::from_str(&text)?))
    }
}

impl From<DbJson> for serde_json::Value {
    fn from(v: DbJson) -> Self {
        v.0
    }
}

/// Reads a `Nullable<Text>` column holding JSON.
#[derive(Debug, FromSqlRow)]
pub struct DbOptJson(Option<serde_json::Value>);

impl FromSql<Nullable<Text>, MultiBackend> for DbOptJson {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        Ok(DbOptJson(Some(DbJson::from_sql(bytes)?.0)))
    }

    fn from_nullable_sql(bytes: Option<RawValue<'_>>) -> diesel::deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(DbOptJson(None)),
        }
    }
}

impl From<DbOptJson> for Option<serde_json::Value> {
    fn from(v: DbOptJson) -> Self {
        v.0
    }
}

/// Declares an enumeration stored as text: `as_str`, `FromStr`, `Display`,
/// and reading from a `Text` column.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::deserialize::FromSqlRow)]
        #[derive(serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and serialised) text.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::StoreError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => Err(crate::error::StoreError::Invalid(
                        format!("unknown {}: {other:?}", stringify!($name)))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, crate::backend::MultiBackend>
            for $name
        {
            fn from_sql(
                bytes: <crate::backend::MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    crate::backend::MultiBackend,
                >>::from_sql(bytes)?;
                Ok(text.parse()?)
            }
        }
    };
}
pub(crate) use text_enum;
