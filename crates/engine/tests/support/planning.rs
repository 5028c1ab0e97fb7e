//! Requests to the planner with the defaults most tests share (phase 0 of
//! the protocol, nothing else in the patient's diary), and readings of its
//! answers.

use chairside_engine::*;
use chrono::NaiveDate;

pub fn phase_request<'r>(
    protocol: &'r Protocol,
    preferences: &'r PatientPreferences,
    earliest: NaiveDate,
    first_within_days: u32,
) -> PhaseRequest<'r> {
    PhaseRequest {
        protocol,
        phase: 0,
        preferences,
        earliest,
        first_within_days,
        patient_sessions: &[],
        previous_session: None,
    }
}

pub fn replan_request<'r>(
    protocol: &'r Protocol,
    kept: &'r [NaiveDate],
    remaining: usize,
    earliest: NaiveDate,
    preferences: &'r PatientPreferences,
) -> ReplanRequest<'r> {
    ReplanRequest {
        protocol,
        phase: 0,
        kept,
        remaining,
        earliest,
        preferences,
        patient_sessions: &[],
    }
}

/// `count` boosters after the session on `previous`, numbered from 1.
pub fn booster_request<'r>(
    protocol: &'r Protocol,
    policy: &'r BoosterPolicy,
    preferences: &'r PatientPreferences,
    previous: NaiveDate,
    not_before: NaiveDate,
    count: usize,
) -> BoosterRequest<'r> {
    BoosterRequest {
        protocol,
        policy,
        previous_session: previous,
        count,
        not_before,
        first_sequence: 1,
        preferences,
        patient_sessions: &[],
    }
}

/// `sessions` proposed for phase 0, with nothing standing before them.
pub fn validation_request<'r>(
    protocol: &'r Protocol,
    sessions: &'r [ProposedSession],
) -> ValidationRequest<'r> {
    ValidationRequest {
        protocol,
        phase: 0,
        standing: &[],
        sessions,
        previous_session: None,
        booster_policy: None,
        patient_sessions: &[],
    }
}

pub fn dates(sessions: &[PlannedSession]) -> Vec<NaiveDate> {
    sessions.iter().map(|s| s.local_date).collect()
}

pub fn is_infeasible<T>(result: &Result<T, EngineError>) -> bool {
    matches!(result, Err(EngineError::Infeasible(_)))
}

/// Why nothing could be planned; panics if something was.
pub fn infeasibility<T: std::fmt::Debug>(result: Result<T, EngineError>) -> Infeasibility {
    match result {
        Err(EngineError::Infeasible(why)) => *why,
        other => panic!("expected infeasible, got {other:?}"),
    }
}
