//! Placing one session by hand (a chosen time, optionally a chosen chair)
//! and judging the result: calendar rules are absolute, protocol rules may
//! be overridden by a clinician with a reason.

use chairside_engine::{self as engine, ProposedSession, Rule, ValidationRequest, Violation};
use chairside_store::models as m;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::auth::Caller;
use crate::calendar::ClinicBook;
use crate::dto::session::{At, Disambiguation};
use crate::error::{local_time_error, ApiError};

/// Resolves a requested time: an instant with offset, or a clinic-local
/// wall-clock time (skipped times refused, repeated ones need a choice).
pub fn resolve_at(zone: Tz, at: &At, field: &str) -> Result<DateTime<Utc>, ApiError> {
    match (&at.start, &at.local_start) {
        (Some(start), None) => Ok(start.with_timezone(&Utc)),
        (None, Some(local)) => {
            let choice = match at.disambiguation {
                None => engine::Disambiguation::Reject,
                Some(Disambiguation::Earlier) => engine::Disambiguation::Earlier,
                Some(Disambiguation::Later) => engine::Disambiguation::Later,
            };
            engine::resolve_local(zone, *local, choice)
                .map_err(|e| local_time_error(&format!("{field}.local_start"), e))
        }
        _ => Err(ApiError::invalid_field(
            field,
            "give exactly one of `start` (with offset) or `local_start`",
        )),
    }
}

/// Rules a clinician may override with a reason: the protocol's spacing.
/// Calendar rules (hours, closures, a taken chair) and patient safety rules
/// are never overridable.
fn overridable(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::MinGap
            | Rule::MaxGap
            | Rule::Span
            | Rule::WeeklyCap
            | Rule::SessionCount
            | Rule::BoosterFloor
            | Rule::BoosterCeiling
    )
}

/// What a placement needs to be judged.
pub struct Placement<'a> {
    /// The clinic's calendar and occupancy (without the session being moved).
    pub book: &'a ClinicBook,
    /// The protocol.
    pub protocol: &'a engine::Protocol,
    /// The phase.
    pub phase: usize,
    /// Dates of the phase's other live sessions.
    pub standing: &'a [NaiveDate],
    /// The session before, for spacing across phases and boosters.
    pub previous_session: Option<NaiveDate>,
    /// The course's booster policy.
    pub booster_policy: Option<&'a engine::BoosterPolicy>,
    /// The patient's other live sessions.
    pub patient_sessions: &'a [engine::Interval],
}

impl Placement<'_> {
    fn violations(&self, chair: i64, start: DateTime<Utc>) -> Result<Vec<Violation>, ApiError> {
        let end = start + self.protocol.chair_time.total();
        let session = ProposedSession {
            chair: engine::ChairId(chair),
            start,
            end,
        };
        Ok(self.book.planner()?.validate_sessions(&ValidationRequest {
            protocol: self.protocol,
            phase: self.phase,
            standing: self.standing,
            sessions: &[session],
            previous_session: self.previous_session,
            booster_policy: self.booster_policy,
            patient_sessions: self.patient_sessions,
        })?)
    }

    /// Chooses the chair (the given one, or the first free suitable one in
    /// stable order) and judges the placement. Returns the chair and the
    /// overridden violations (to audit).
    pub fn judge(
        &self,
        caller: &Caller,
        chair: Option<i64>,
        start: DateTime<Utc>,
        override_reason: Option<&str>,
    ) -> Result<(i64, Vec<Violation>), ApiError> {
        let chair_blockers = [
            Rule::ChairTaken,
            Rule::Closure,
            Rule::ChairInactive,
            Rule::ChairModality,
            Rule::UnknownChair,
            Rule::StartsPerSlot,
        ];
        let (chair, violations) = match chair {
            Some(chair) => (chair, self.violations(chair, start)?),
            None => {
                let candidates: Vec<i64> = self
                    .book
                    .calendar
                    .chairs
                    .iter()
                    .filter(|c| c.can_host(self.protocol.modality))
                    .map(|c| c.id.0)
                    .collect();
                let mut first = None;
                let mut chosen = None;
                for id in candidates {
                    let v = self.violations(id, start)?;
                    if !v.iter().any(|v| chair_blockers.contains(&v.rule)) {
                        chosen = Some((id, v));
                        break;
                    }
                    first.get_or_insert((id, v));
                }
                match chosen.or(first) {
                    Some(found) => found,
                    None => {
                        return Err(ApiError::Infeasible(Box::new(engine::Infeasibility {
                            rule: Rule::NoSuitableChair,
                            detail: "no active chair supports this treatment".into(),
                            earliest_feasible: None,
                        })))
                    }
                }
            }
        };
        let (soft, hard): (Vec<Violation>, Vec<Violation>) =
            violations.into_iter().partition(|v| overridable(v.rule));
        if !hard.is_empty() {
            // Rules only other bookings can break are a conflict with the
            // current state (409: e.g. the loser of a race for a chair);
            // anything else is a request that could never work (422).
            let conflict = hard.iter().all(|v| {
                matches!(
                    v.rule,
                    Rule::ChairTaken | Rule::PatientOverlap | Rule::OnePerDay | Rule::StartsPerSlot
                )
            });
            if conflict {
                return Err(ApiError::Conflict {
                    kind: if hard.iter().any(|v| v.rule == Rule::ChairTaken) {
                        "chair-taken"
                    } else {
                        "patient-double-booked"
                    },
                    detail: hard
                        .iter()
                        .map(|v| v.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            }
            return Err(ApiError::Violations(hard));
        }
        if !soft.is_empty() {
            match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
                None => return Err(ApiError::Violations(soft)),
                Some(_) => caller.require_clinical("booking outside the protocol's rules")?,
            }
        }
        Ok((chair, soft))
    }
}

/// Dates of a list of sessions in the zone.
pub fn dates(zone: Tz, sessions: &[&m::Session]) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = sessions
        .iter()
        .map(|s| s.starts_at.with_timezone(&zone).date_naive())
        .collect();
    dates.sort();
    dates
}
