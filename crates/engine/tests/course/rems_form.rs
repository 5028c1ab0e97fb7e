//! The REMS Patient Monitoring Form: pre-filled from the record, answered
//! and completed by a clinician, submitted by the clinic; due in 7 days.

use chairside_engine::monitoring::rems_form::*;
use chairside_engine::monitoring::*;
use chairside_engine::staff::StaffId;
use chairside_engine::*;
use chrono::Duration;

use crate::course::world::*;

fn record() -> MonitoringRecord {
    let device = ny(date(2026, 3, 2), 9, 15);
    let reading = |point, systolic, diastolic, minutes| BloodPressure {
        point,
        systolic,
        diastolic,
        taken_at: device + Duration::minutes(minutes),
    };
    MonitoringRecord {
        arrived_at: Some(device - Duration::minutes(20)),
        dose_started_at: Some(device),
        dose_ended_at: Some(device + Duration::minutes(10)),
        discharged_at: Some(device + Duration::minutes(125)),
        dose: Some(DoseGiven {
            milligrams: 84,
            lot_number: Some("LOT-7731".into()),
        }),
        blood_pressure: vec![
            reading(VitalsPoint::BeforeDosing, 128, 82, -5),
            reading(VitalsPoint::AfterFortyMinutes, 142, 88, 40),
            reading(VitalsPoint::BeforeDischarge, 126, 80, 120),
        ],
        observations: Observations {
            sedation: Some(false),
            dissociation: Some(true),
            respiratory_depression: Some(false),
            notes: Some("mild dissociation, resolved by 90 min".into()),
        },
        dosed_despite_blood_pressure: None,
        monitored_by: Some(StaffId(7)),
    }
}

fn draft() -> RemsForm {
    RemsForm {
        status: RemsFormStatus::Draft,
        due_on: date(2026, 3, 9),
        entered: RemsFormFields::default(),
        submission_reference: None,
        submitted_at: None,
    }
}

#[test]
fn the_form_is_prefilled_from_what_was_recorded() {
    let prefill = RemsFormFields::prefilled(date(2026, 3, 2), &record());
    assert_eq!(prefill.treatment_date, Some(date(2026, 3, 2)));
    assert_eq!(prefill.dose, Some(DoseOnForm::Mg84));
    assert_eq!(prefill.lot_number.as_deref(), Some("LOT-7731"));
    assert_eq!(prefill.total_treatment_minutes, Some(125));
    assert_eq!(
        prefill.blood_pressure_40_minutes,
        Some(Pressure {
            systolic: 142,
            diastolic: 88
        })
    );
    assert_eq!(prefill.dissociation, Some(true));
    assert_eq!(prefill.monitored_by, Some(StaffId(7)));
    // What only a clinician can say is left for them.
    assert_eq!(
        prefill.missing(),
        vec![
            "ready_to_leave_after_minutes",
            "vitals_acceptable_before_administration",
            "vitals_acceptable_before_completion",
            "concomitant_medications"
        ]
    );
}

#[test]
fn another_dose_is_recorded_as_other_with_its_milligrams() {
    let mut r = record();
    r.dose = Some(DoseGiven {
        milligrams: 28,
        lot_number: None,
    });
    let prefill = RemsFormFields::prefilled(date(2026, 3, 2), &r);
    assert_eq!(prefill.dose, Some(DoseOnForm::Other));
    assert_eq!(prefill.dose_other_mg, Some(28));
    assert!(prefill.missing().contains(&"lot_number"));
}

#[test]
fn a_clinician_answers_and_completes_then_the_clinic_submits() {
    let prefill = RemsFormFields::prefilled(date(2026, 3, 2), &record());
    let mut form = draft();
    let refused = form.complete(&prefill, Role::Clinician);
    assert!(
        matches!(refused, Err(EngineError::InvalidInput { ref field, .. }) if field == "ready_to_leave_after_minutes"),
        "{refused:?}"
    );
    let answers = RemsFormFields {
        ready_to_leave_after_minutes: Some(90),
        vitals_acceptable_before_administration: Some(true),
        vitals_acceptable_before_completion: Some(true),
        concomitant_medications: Some(vec![]),
        ..RemsFormFields::default()
    };
    assert!(matches!(
        form.answer(&answers, Role::FrontDesk),
        Err(EngineError::Refused(r)) if r.rule == course::CourseRule::ClinicalDecision
    ));
    form.answer(&answers, Role::Clinician).unwrap();
    assert!(
        form.submit("REMS-123", None, ny(date(2026, 3, 3), 9, 0))
            .is_err(),
        "only a complete form is submitted"
    );
    form.complete(&prefill, Role::Clinician).unwrap();
    assert_eq!(form.status, RemsFormStatus::Complete);
    assert_eq!(
        form.entered.total_treatment_minutes,
        Some(125),
        "the whole form is kept"
    );
    assert!(
        form.answer(&answers, Role::Clinician).is_err(),
        "a complete form is not edited"
    );
    assert!(matches!(
        form.submit("  ", None, ny(date(2026, 3, 3), 9, 0)),
        Err(EngineError::InvalidInput { field, .. }) if field == "submission_reference"
    ));
    let filed_at = ny(date(2026, 3, 3), 9, 0);
    assert!(matches!(
        form.submit("REMS-123", Some(filed_at + Duration::hours(1)), filed_at),
        Err(EngineError::InvalidInput { field, .. }) if field == "submitted_at"
    ));
    form.submit("REMS-123", None, filed_at).unwrap();
    assert_eq!(form.submitted_at, Some(filed_at));
    assert_eq!(form.status, RemsFormStatus::Submitted);
    assert_eq!(form.urgency(date(2026, 3, 20)), None);
}

#[test]
fn a_clinicians_answer_wins_over_the_prefill_and_is_checked() {
    let prefill = RemsFormFields::prefilled(date(2026, 3, 2), &record());
    let mut form = draft();
    let short = RemsFormFields {
        total_treatment_minutes: Some(110),
        ..RemsFormFields::default()
    };
    assert!(matches!(
        form.answer(&short, Role::Clinician),
        Err(EngineError::InvalidInput { field, .. }) if field == "total_treatment_minutes"
    ));
    let longer = RemsFormFields {
        total_treatment_minutes: Some(130),
        ..RemsFormFields::default()
    };
    form.answer(&longer, Role::Clinician).unwrap();
    assert_eq!(
        form.entered.over(&prefill).total_treatment_minutes,
        Some(130)
    );
}

#[test]
fn a_form_is_due_soon_two_days_ahead_and_overdue_after_its_day() {
    let form = draft();
    assert_eq!(form.urgency(date(2026, 3, 6)), Some(Urgency::Open));
    assert_eq!(form.urgency(date(2026, 3, 7)), Some(Urgency::DueSoon));
    assert_eq!(form.urgency(date(2026, 3, 9)), Some(Urgency::DueSoon));
    assert_eq!(form.urgency(date(2026, 3, 10)), Some(Urgency::Overdue));
}
