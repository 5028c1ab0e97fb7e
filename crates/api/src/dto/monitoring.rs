//! What happened at a session, and the REMS Patient Monitoring Form.

use chairside_engine::monitoring::rems_form::Urgency;
use chairside_engine::monitoring::{
    FixKind, MonitoringRecord, MonitoringWarning, OverrunCause, RemsFormFields, RemsFormStatus,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dto::session::LocalTimes;

/// A session's record: what happened, when the patient may leave, and what
/// the recorder should know.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MonitoringView {
    pub session_id: i64,
    #[serde(flatten)]
    pub record: MonitoringRecord,
    /// The earliest discharge the rules allow (esketamine: two hours after
    /// the first device), once the dose started.
    pub earliest_discharge: Option<DateTime<Utc>>,
    /// Rules the recorder should act on (a blood pressure above the limit).
    pub warnings: Vec<MonitoringWarning>,
    /// Where a clinician marks the session *not dosed*, while a pre-dose
    /// blood pressure above the limit holds the dose.
    pub not_dosed: Option<String>,
}

/// A REMS form: the fields as they stand (a clinician's answers over what
/// the session's record pre-fills), what is still missing, its status.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RemsFormView {
    pub id: i64,
    /// The esketamine session it covers.
    pub session_id: i64,
    pub patient_id: i64,
    /// Seven calendar days after the session, clinic-local.
    pub due_on: NaiveDate,
    pub status: RemsFormStatus,
    /// How pressing it is today (none once submitted).
    pub urgency: Option<Urgency>,
    /// Past due and not submitted.
    pub overdue: bool,
    pub fields: RemsFormFields,
    /// Fields a clinician must still answer before completing.
    pub missing: Vec<String>,
    pub submission_reference: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The clinic filed the form on the REMS portal.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRemsForm {
    /// The portal's confirmation reference.
    pub submission_reference: String,
    /// When it was filed, if not now.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A checked-in session holding its chair past its booked end — a late
/// arrival, a late dose, a patient still monitored — and the bookings on
/// that chair it reaches, each with the best fix now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverrunView {
    pub session_id: i64,
    pub chair_id: i64,
    /// The booked end of the chair interval.
    pub booked_end: DateTime<Utc>,
    /// The chair is held until then (recomputed on every read: a patient
    /// still in the chair keeps it a quarter hour past now).
    pub held_until: DateTime<Utc>,
    /// How late the patient arrived (0 when on time or not recorded).
    pub late_by_minutes: i64,
    pub cause: OverrunCause,
    /// The bookings on the same chair that the hold reaches, by start.
    pub reaches: Vec<ReachedBooking>,
}

/// A booking an overrun reaches, and how to move it out of the way.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReachedBooking {
    pub session_id: i64,
    pub chair_id: i64,
    pub start: DateTime<Utc>,
    /// The best fix the course's rules allow now; none when no day does.
    pub fix: Option<OverrunFix>,
}

/// A fix for a booking an overrun reaches, ready to apply with one call.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverrunFix {
    pub kind: FixKind,
    pub chair_id: i64,
    pub start: DateTime<Utc>,
    /// The fix's start in clinic time.
    pub local: LocalTimes,
    /// The request that applies it.
    pub apply: ApplyCall,
}

/// A request to make as it stands: method, path, `If-Match` and body.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplyCall {
    #[schema(example = "POST")]
    pub method: String,
    #[schema(example = "/v1/clinics/1/sessions/42/reschedule")]
    pub href: String,
    /// The session's ETag this fix was computed on: a changed session makes
    /// the call fail with 412 rather than move it blindly.
    pub if_match: String,
    /// The body to send.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}
