//! What actually happened at a session: the pre-dose blood pressure and the
//! clinic's limit, times in order, and the REMS two hours before discharge.

use chairside_engine::course::*;
use chairside_engine::monitoring::recording::AtSession;
use chairside_engine::monitoring::*;
use chairside_engine::*;
use chrono::{DateTime, Duration, Utc};

use crate::course::world::*;

fn reading(point: VitalsPoint, systolic: u32, diastolic: u32, at: DateTime<Utc>) -> BloodPressure {
    BloodPressure {
        point,
        systolic,
        diastolic,
        taken_at: at,
    }
}

/// An esketamine world whose first session is checked in at its start.
fn checked_in_esketamine() -> (World, CourseSession) {
    let mut world = World::starting_monday(presets::esketamine_nasal());
    let first = world.next_booked();
    world.now = first.start;
    world
        .act(Action::CheckIn {
            session: first.id,
            note: None,
            escort_override: None,
        })
        .expect("checks in at the start");
    let first = world.session(first.id).clone();
    (world, first)
}

fn record_as(
    world: &World,
    session: &CourseSession,
    actor: Role,
    current: &MonitoringRecord,
    change: &MonitoringChange,
) -> Result<Recorded, EngineError> {
    let at = AtSession {
        zone: NY,
        session,
        protocol: &world.course.protocol,
        settings: &world.settings,
        actor,
        now: world.now,
    };
    record(at, current, change)
}

fn refusal(result: Result<Recorded, EngineError>) -> Refusal {
    match result {
        Err(EngineError::Refused(refusal)) => *refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid_field(result: Result<Recorded, EngineError>) -> String {
    match result {
        Err(EngineError::InvalidInput { field, .. }) => field,
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

#[test]
fn nothing_is_recorded_before_the_patient_checks_in() {
    let world = World::starting_monday(presets::esketamine_nasal());
    let first = world.next_booked();
    let change = MonitoringChange {
        arrived_at: Some(world.now),
        ..MonitoringChange::default()
    };
    let refused = refusal(record_as(
        &world,
        &first,
        Role::FrontDesk,
        &MonitoringRecord::default(),
        &change,
    ));
    assert_eq!(refused.rule, CourseRule::StatusOrder);
}

#[test]
fn a_dose_starts_only_after_the_pre_dose_blood_pressure() {
    let (mut world, first) = checked_in_esketamine();
    world.now = first.start + Duration::minutes(15);
    let start_dose = MonitoringChange {
        dose_started_at: Some(world.now),
        ..MonitoringChange::default()
    };
    let empty = MonitoringRecord::default();
    let refused = refusal(record_as(
        &world,
        &first,
        Role::FrontDesk,
        &empty,
        &start_dose,
    ));
    assert_eq!(refused.rule, CourseRule::PreDoseBloodPressure);

    let with_pressure = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 128, 82, world.now)],
        ..start_dose
    };
    let recorded = record_as(&world, &first, Role::FrontDesk, &empty, &with_pressure).unwrap();
    assert_eq!(recorded.record.dose_started_at, Some(world.now));
    assert!(recorded.warnings.is_empty(), "{:?}", recorded.warnings);
}

#[test]
fn a_pre_dose_blood_pressure_above_the_limit_warns_and_waits_for_a_clinician() {
    let (mut world, first) = checked_in_esketamine();
    world.now = first.start + Duration::minutes(10);
    let high = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 152, 94, world.now)],
        ..MonitoringChange::default()
    };
    let recorded = record_as(
        &world,
        &first,
        Role::FrontDesk,
        &MonitoringRecord::default(),
        &high,
    )
    .unwrap();
    assert_eq!(recorded.warnings.len(), 1);
    assert_eq!(recorded.warnings[0].rule, CourseRule::BloodPressureLimit);
    assert!(
        recorded.warnings[0].detail.contains("152/94"),
        "{:?}",
        recorded.warnings
    );
    assert!(recorded.warnings[0].detail.contains("not dosed"));

    let start_dose = MonitoringChange {
        dose_started_at: Some(world.now),
        ..MonitoringChange::default()
    };
    let refused = refusal(record_as(
        &world,
        &first,
        Role::Clinician,
        &recorded.record,
        &start_dose,
    ));
    assert_eq!(refused.rule, CourseRule::BloodPressureLimit);
    assert!(refused.detail.contains("140/90"), "{}", refused.detail);

    let despite = MonitoringChange {
        dosed_despite_blood_pressure: Some("repeat reading 138/88 after rest".into()),
        ..start_dose
    };
    let desk = refusal(record_as(
        &world,
        &first,
        Role::FrontDesk,
        &recorded.record,
        &despite,
    ));
    assert_eq!(desk.rule, CourseRule::ClinicalDecision);
    let dosed = record_as(&world, &first, Role::Clinician, &recorded.record, &despite).unwrap();
    assert_eq!(dosed.record.dose_started_at, Some(world.now));
    assert_eq!(
        dosed.record.dosed_despite_blood_pressure.as_deref(),
        Some("repeat reading 138/88 after rest")
    );
}

#[test]
fn the_clinic_sets_its_own_blood_pressure_limit() {
    let (mut world, first) = checked_in_esketamine();
    world.settings.blood_pressure_limit = BloodPressureLimit {
        systolic: 160,
        diastolic: 100,
    };
    world.now = first.start + Duration::minutes(10);
    let change = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 152, 94, world.now)],
        dose_started_at: Some(world.now),
        ..MonitoringChange::default()
    };
    let recorded = record_as(
        &world,
        &first,
        Role::FrontDesk,
        &MonitoringRecord::default(),
        &change,
    )
    .unwrap();
    assert!(recorded.warnings.is_empty());
    // The limit itself is checked like any setting.
    world.settings.blood_pressure_limit.systolic = 300;
    assert!(matches!(
        world.settings.validate(),
        Err(EngineError::InvalidInput { field, .. }) if field == "blood_pressure_limit.systolic"
    ));
}

#[test]
fn times_are_recorded_in_order_and_never_in_the_future() {
    let (mut world, first) = checked_in_esketamine();
    world.now = first.start + Duration::minutes(30);
    let empty = MonitoringRecord::default();
    let backwards = MonitoringChange {
        arrived_at: Some(first.start),
        dose_started_at: Some(first.start - Duration::minutes(5)),
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 120, 80, first.start)],
        ..MonitoringChange::default()
    };
    assert_eq!(
        invalid_field(record_as(
            &world,
            &first,
            Role::FrontDesk,
            &empty,
            &backwards
        )),
        "dose_started_at"
    );
    let ahead = MonitoringChange {
        arrived_at: Some(world.now + Duration::minutes(20)),
        ..MonitoringChange::default()
    };
    assert_eq!(
        invalid_field(record_as(&world, &first, Role::FrontDesk, &empty, &ahead)),
        "arrived_at"
    );
    let ended_first = MonitoringChange {
        dose_ended_at: Some(world.now),
        ..MonitoringChange::default()
    };
    assert_eq!(
        invalid_field(record_as(
            &world,
            &first,
            Role::FrontDesk,
            &empty,
            &ended_first
        )),
        "dose_ended_at"
    );
    let implausible = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 80, 90, world.now)],
        ..MonitoringChange::default()
    };
    assert_eq!(
        invalid_field(record_as(
            &world,
            &first,
            Role::FrontDesk,
            &empty,
            &implausible
        )),
        "blood_pressure[0].diastolic"
    );
}

#[test]
fn a_reading_replaces_the_one_at_its_point_and_observations_merge() {
    let (mut world, first) = checked_in_esketamine();
    world.now = first.start + Duration::minutes(10);
    let first_reading = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 150, 92, world.now)],
        observations: Some(Observations {
            sedation: Some(false),
            ..Observations::default()
        }),
        ..MonitoringChange::default()
    };
    let once = record_as(
        &world,
        &first,
        Role::FrontDesk,
        &MonitoringRecord::default(),
        &first_reading,
    )
    .unwrap();
    world.now += Duration::minutes(5);
    let again = MonitoringChange {
        blood_pressure: vec![reading(VitalsPoint::BeforeDosing, 134, 84, world.now)],
        observations: Some(Observations {
            dissociation: Some(true),
            ..Observations::default()
        }),
        ..MonitoringChange::default()
    };
    let twice = record_as(&world, &first, Role::FrontDesk, &once.record, &again).unwrap();
    assert_eq!(twice.record.blood_pressure.len(), 1);
    assert_eq!(twice.record.blood_pressure[0].systolic, 134);
    assert!(twice.warnings.is_empty());
    assert_eq!(twice.record.observations.sedation, Some(false));
    assert_eq!(twice.record.observations.dissociation, Some(true));
}

/// The first device at `start + 15 min`, as the record says.
fn first_device_at(world: &mut World, first: &CourseSession) -> DateTime<Utc> {
    let device = first.start + Duration::minutes(15);
    world.monitoring = MonitoringRecord {
        dose_started_at: Some(device),
        ..MonitoringRecord::default()
    };
    device
}

fn discharge(world: &mut World, id: SessionId) -> Result<Decision, EngineError> {
    world.act(Action::Complete {
        session: id,
        note: None,
        discharged_at: None,
    })
}

#[test]
fn an_esketamine_discharge_at_one_hour_fifty_is_refused_naming_the_earliest_time() {
    let (mut world, first) = checked_in_esketamine();
    let device = first_device_at(&mut world, &first);
    world.now = device + Duration::minutes(110);
    let refused = refused_by(discharge(&mut world, first.id));
    assert_eq!(refused.rule, CourseRule::RemsMinimumMonitoring);
    assert_eq!(refused.possible_from, Some(device + Duration::minutes(120)));
    assert!(refused.detail.contains("110 minutes"), "{}", refused.detail);
    assert!(
        refused.detail.contains("2026-03-02 10:15"),
        "{}",
        refused.detail
    );
    assert_eq!(world.session(first.id).status, SessionStatus::CheckedIn);

    world.now = device + Duration::minutes(120);
    let decision = discharge(&mut world, first.id).expect("two hours passed");
    assert_eq!(
        decision.discharge,
        Some(Discharge {
            session: first.id,
            at: world.now
        })
    );
    assert_eq!(world.session(first.id).status, SessionStatus::Completed);
}

#[test]
fn an_esketamine_session_completes_only_with_the_first_device_recorded() {
    let (mut world, first) = checked_in_esketamine();
    world.monitoring = MonitoringRecord::default();
    world.now = first.start + Duration::minutes(150);
    assert_eq!(
        refused_by(discharge(&mut world, first.id)).rule,
        CourseRule::FirstDeviceRecorded
    );
}

#[test]
fn a_discharge_given_in_the_past_is_judged_at_that_time() {
    let (mut world, first) = checked_in_esketamine();
    let device = first_device_at(&mut world, &first);
    world.now = device + Duration::minutes(180);
    let early = world.act(Action::Complete {
        session: first.id,
        note: None,
        discharged_at: Some(device + Duration::minutes(100)),
    });
    assert_eq!(refused_by(early).rule, CourseRule::RemsMinimumMonitoring);
    let in_future = world.act(Action::Complete {
        session: first.id,
        note: None,
        discharged_at: Some(world.now + Duration::minutes(30)),
    });
    assert!(
        matches!(in_future, Err(EngineError::InvalidInput { field, .. }) if field == "discharged_at")
    );
}

#[test]
fn an_iv_session_completes_without_a_record() {
    let mut world = World::starting_monday(presets::iv_ketamine_standard());
    world.monitoring = MonitoringRecord::default();
    let first = world.next_booked();
    let decision = world.give(first.id);
    assert!(decision.discharge.is_some());
    assert!(decision.rems_forms.is_empty());
}
