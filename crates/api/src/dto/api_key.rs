//! API keys as an admin manages them: never the secret, except once.

use chairside_engine::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new key for the clinic.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "integration", "label": "reminder service"}))]
pub struct CreateApiKey {
    /// `admin`, `clinician`, `front_desk` or `integration`.
    pub role: Role,
    /// What the key is for (shown in lists and audit rows).
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
}

/// Rotating a key: a new one now, the old one still valid for a grace
/// period so the integration can switch without an outage.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace_minutes": 60}))]
pub struct RotateApiKey {
    /// How long the old key keeps working, 0..=10080 minutes (a week;
    /// default 60).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10080)]
    pub grace_minutes: Option<i64>,
}

/// A key, without its secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    /// The clinic it acts on (`null`: every clinic, an operator's key).
    pub clinic_id: Option<i64>,
    /// The token's public part, `chs_<prefix>_…`, to tell keys apart.
    pub prefix: String,
    pub role: Role,
    pub label: String,
    pub created_at: DateTime<Utc>,
    /// Revoked: refused from then on.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Rotated: refused from then on.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key just made, with its token: shown this once, never stored.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IssuedApiKey {
    pub key: ApiKeyView,
    /// `Authorization: Bearer <token>`. Keep it: it cannot be shown again.
    pub token: String,
    /// On a rotation, the key it replaces, with the end of its grace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ApiKeyView>,
}
