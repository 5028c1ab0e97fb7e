//! How Rust values become column values and back, identically on both
//! backends.
//!
//! * Instants: `DateTime<Utc>` in Rust, a `Timestamp` column holding UTC at
//!   whole-second precision. Truncating on write makes both backends return
//!   exactly what was stored, and gives SQLite one fixed text shape
//!   (`YYYY-MM-DD HH:MM:SS`) whose text order is time order.
//! * Other JSON (audit before/after, outbox payloads): `serde_json::Value`,
//!   a `Text` column.
//! * Enumerations: the engine's own (session and course statuses, roles,
//!   instruments), `Text` columns holding their words, with CHECK
//!   constraints ([`stored_as_words!`]).
//! * Domain documents (opening hours, settings, preferences, protocols,
//!   booster policies, at-risk reasons): the engine's types, `Text` columns
//!   holding their JSON ([`stored_as_json!`]).

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::sql_types::{Nullable, Text, Timestamp};

use crate::backend::{MultiBackend, MultiRawValue};

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
        let naive = match bytes {
            MultiRawValue::Sqlite(mut value) => {
                match crate::timestamp_text::parse(value.read_text()) {
                    Some(naive) => naive,
                    None => MultiRawValue::Sqlite(value).from_sql::<NaiveDateTime, Timestamp>()?,
                }
            }
            other => <NaiveDateTime as FromSql<Timestamp, MultiBackend>>::from_sql(other)?,
        };
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

/// Reads the engine's enumerations from the `Text` columns holding their
/// words. (The orphan rule allows these impls: `MultiBackend` is ours.)
macro_rules! stored_as_words {
    ($($t:ty),+ $(,)?) => { $(
        impl FromSql<Text, MultiBackend> for $t {
            fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
                Ok(text.parse::<$t>()?)
            }
        }

        impl diesel::deserialize::Queryable<Text, MultiBackend> for $t {
            type Row = Self;

            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+ };
}

stored_as_words!(
    chairside_engine::course::SessionStatus,
    chairside_engine::course::CourseStatus,
    chairside_engine::Role,
    chairside_engine::Modality,
    chairside_engine::monitoring::RemsFormStatus,
    chairside_engine::backfill::OfferKind,
    chairside_engine::backfill::OfferStatus,
    chairside_engine::backfill::WaitingStatus,
);

/// Instruments are kept by their code (`PHQ9`), as the records always were.
impl FromSql<Text, MultiBackend> for chairside_engine::suggestion::Instrument {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Self::from_code(&text).ok_or_else(|| format!("{text:?} is not an instrument code").into())
    }
}

impl diesel::deserialize::Queryable<Text, MultiBackend>
    for chairside_engine::suggestion::Instrument
{
    type Row = Self;

    fn build(row: Self) -> diesel::deserialize::Result<Self> {
        Ok(row)
    }
}

/// Reads the engine's documents from the `Text` columns holding their JSON.
macro_rules! stored_as_json {
    ($($t:ty),+ $(,)?) => { $(
        impl FromSql<Text, MultiBackend> for $t {
            fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
                Ok(serde_json::from_str(&text)?)
            }
        }

        impl diesel::deserialize::Queryable<Text, MultiBackend> for $t {
            type Row = Self;

            fn build(row: Self) -> diesel::deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+ };
}

stored_as_json!(
    chairside_engine::WeeklyHours,
    chairside_engine::ClinicSettings,
    chairside_engine::PatientPreferences,
    chairside_engine::Protocol,
    chairside_engine::BoosterPolicy,
    chairside_engine::course::AtRisk,
    chairside_engine::monitoring::MonitoringRecord,
    chairside_engine::monitoring::RemsFormFields,
);

/// Reads a JSON list of the engine's values from a `Text` column (a chair's
/// modalities, a staff member's roles and exceptions).
#[derive(Debug, FromSqlRow)]
pub struct DbList<T>(Vec<T>);

impl<T: serde::de::DeserializeOwned> FromSql<Text, MultiBackend> for DbList<T> {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Ok(DbList(serde_json::from_str(&text)?))
    }
}

impl<T> From<DbList<T>> for Vec<T> {
    fn from(v: DbList<T>) -> Self {
        v.0
    }
}

#[derive(Debug, FromSqlRow)]
pub struct DbZone(chrono_tz::Tz);

impl FromSql<Text, MultiBackend> for DbZone {
    fn from_sql(bytes: RawValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
        Ok(DbZone(text.parse().map_err(|_| {
            format!("{text:?} is not an IANA time zone")
        })?))
    }
}

impl From<DbZone> for chrono_tz::Tz {
    fn from(v: DbZone) -> Self {
        v.0
    }
}

/// Writes a domain document as its JSON text.
pub(crate) fn doc<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain documents serialise")
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
