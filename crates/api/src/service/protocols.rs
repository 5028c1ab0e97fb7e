//! Protocols: the presets every clinic starts with, and custom ones.

use chairside_engine::presets;
use chairside_store::models as m;
use chairside_store::{repo, DbConnection};
use serde_json::json;

use crate::auth::Caller;
use crate::dto::protocol::{CreateProtocol, ProtocolView};
use crate::error::ApiError;
use crate::problem_kind::ProblemKind;
use crate::service::{audit, taken};
use crate::views;

/// The presets' codes, in the order they are created.
pub const PRESET_CODES: [&str; 2] = ["iv-ketamine-standard", "esketamine-nasal"];

/// Creates the preset protocols in a new clinic (each clinic owns its copy,
/// so it can adjust it without touching another clinic's).
pub fn seed_presets(conn: &mut DbConnection, clinic_id: i64) -> Result<(), ApiError> {
    for (code, protocol) in PRESET_CODES
        .iter()
        .zip([presets::iv_ketamine_standard(), presets::esketamine_nasal()])
    {
        repo::protocols::create(conn, clinic_id, code, &protocol.name, &protocol)?;
    }
    Ok(())
}

/// A protocol with its latest revision.
pub fn latest(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
) -> Result<(m::Protocol, m::ProtocolVersion), ApiError> {
    let protocol = repo::protocols::get(conn, clinic_id, protocol_id)?;
    let version = repo::protocols::list_versions(conn, clinic_id, protocol_id)?
        .into_iter()
        .max_by_key(|v| v.revision)
        .ok_or_else(|| ApiError::Internal(format!("protocol {protocol_id} has no revision")))?;
    Ok((protocol, version))
}

/// The latest revision of the clinic's protocol with this code.
pub fn by_code(
    conn: &mut DbConnection,
    clinic_id: i64,
    code: &str,
) -> Result<m::ProtocolVersion, ApiError> {
    let protocol = repo::protocols::list(conn, clinic_id)?
        .into_iter()
        .find(|p| p.code == code)
        .ok_or_else(|| ApiError::NotFound(format!("no protocol has the code {code:?}")))?;
    Ok(latest(conn, clinic_id, protocol.id)?.1)
}

/// Every protocol of the clinic at its latest revision.
pub fn list(conn: &mut DbConnection, clinic_id: i64) -> Result<Vec<ProtocolView>, ApiError> {
    repo::clinics::get(conn, clinic_id)?;
    repo::protocols::list(conn, clinic_id)?
        .iter()
        .map(|p| {
            let (protocol, version) = latest(conn, clinic_id, p.id)?;
            Ok(views::protocol(&protocol, &version))
        })
        .collect()
}

/// One protocol at its latest revision.
pub fn get(
    conn: &mut DbConnection,
    clinic_id: i64,
    protocol_id: i64,
) -> Result<ProtocolView, ApiError> {
    let (protocol, version) = latest(conn, clinic_id, protocol_id)?;
    Ok(views::protocol(&protocol, &version))
}

/// Creates a custom protocol after the engine validates it.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    clinic_id: i64,
    new: &CreateProtocol,
) -> Result<ProtocolView, ApiError> {
    let code_ok = (3..=64).contains(&new.code.len())
        && new
            .code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !code_ok {
        return Err(ApiError::invalid_field(
            "code",
            "3 to 64 lowercase letters, digits and dashes",
        ));
    }
    let engine = &new.definition;
    engine.validate().map_err(|e| match e {
        chairside_engine::EngineError::InvalidInput { field, reason } => {
            ApiError::invalid_field(format!("definition.{field}"), reason)
        }
        other => other.into(),
    })?;
    repo::clinics::get(conn, clinic_id)?;
    let (protocol, version) =
        repo::protocols::create(conn, clinic_id, &new.code, &engine.name, engine).map_err(
            taken(
                ProblemKind::DuplicateProtocolCode,
                format!(
                    "a protocol with code {:?} already exists in this clinic",
                    new.code
                ),
            ),
        )?;
    let view = views::protocol(&protocol, &version);
    audit(
        conn,
        caller,
        Some(clinic_id),
        "protocol.created",
        "protocol",
        Some(protocol.id),
        None,
        Some(json!(view)),
    )?;
    Ok(view)
}
