//! What happened at a session, and the REMS Patient Monitoring Form.

use chairside_engine::monitoring::rems_form::Urgency;
use chairside_engine::monitoring::{
    MonitoringRecord, MonitoringWarning, RemsFormFields, RemsFormStatus,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
