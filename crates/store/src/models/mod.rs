//! The records the store returns and the values it takes.
//!
//! Records mirror rows: ids are `i64`, instants `DateTime<Utc>`, and every
//! domain value is the engine's own type (statuses, roles, opening hours,
//! settings, preferences, protocols, policies), read and written by the
//! store as the engine defines it. Every mutable record carries its
//! `version`.

mod actor;
mod api_key;
mod audit;
mod backfill;
mod calendar;
mod clinic;
mod course;
mod measure;
mod outbox;
mod patient;
mod protocol;
mod session;
mod staff;
mod webhook;

pub use actor::{Actor, Role};
pub use api_key::{ApiKey, NewApiKey};
pub use audit::{AuditEntry, AuditRecord};
pub use backfill::{Freed, NewOffer, Offer, Waiting};
pub use calendar::CalendarSnapshot;
pub use clinic::{Chair, Clinic, ClinicUpdate, Closure, NewChair, NewClinic, NewClosure};
pub use course::{BoosterPolicyChange, Course, CourseStatus};
pub use measure::{
    Instrument, NewSymptomMeasure, RemsMonitoringForm, SessionMonitoring, SymptomMeasure,
};
pub use outbox::{IdempotencyRecord, NewIdempotencyRecord, NewOutboxEvent, OutboxEvent};
pub use patient::{NewPatient, Patient, PatientUpdate};
pub use protocol::{Protocol, ProtocolVersion};
pub(crate) use session::live_words;
pub use session::{Session, SessionStatus, StatusChange, TakenTime};
pub use staff::{NewStaffMember, StaffMember};
pub use webhook::{
    Attempt, AttemptOutcome, Delivery, DeliveryStatus, NewWebhookSubscription, Next,
    ReminderOutcome, ReminderSent, WebhookSubscription, ALL_EVENTS,
};

/// One page of a list ordered by id, and where the next page starts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page<T> {
    /// The rows, by ascending id.
    pub items: Vec<T>,
    /// Pass as `after_id` to get the next page; `None` on the last page.
    pub next_after_id: Option<i64>,
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Only rows with a larger id (exclusive cursor).
    pub after_id: Option<i64>,
    /// At most this many rows (clamped to 1..=500).
    pub limit: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            after_id: None,
            limit: 50,
        }
    }
}

impl PageRequest {
    pub(crate) fn clamped_limit(&self) -> i64 {
        self.limit.clamp(1, 500)
    }

    /// Builds the page from up to `limit + 1` rows fetched in id order.
    pub(crate) fn page<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Page<T> {
        let limit = self.clamped_limit() as usize;
        let next_after_id = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(id)
        } else {
            None
        };
        Page {
            items: rows,
            next_after_id,
        }
    }
}

/// The columns of record `T`, as a plain column tuple.
///
/// `T::as_select()` builds a `SelectBy<T, MultiBackend>`, which only renders
/// for the multi backend; MultiConnection needs every query fragment to
/// render for each inner backend, and a column tuple does.
pub(crate) fn columns<T>() -> T::SelectExpression
where
    T: diesel::Selectable<crate::backend::MultiBackend>,
{
    T::construct_selection()
}
