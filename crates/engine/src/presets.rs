//! The two protocols clinics start from, with the figures of domain.md.
//! Every value is a parameter: clinics copy a preset and adjust it.

use crate::calendar::Modality;
use crate::protocol::{
    BoosterPolicy, BoosterRules, ChairTime, DayOfInstructions, Phase, PhaseKind, Protocol,
    SeriesRules,
};

/// IV ketamine, standard: six infusions over two to three weeks, then boosters.
///
/// Chair time: 10 min vitals + 40 min infusion (0.5 mg/kg over 40 min) + 40 min
/// recovery. Induction: 6 sessions, at least 2 days apart (no back-to-back
/// days), at most 7 apart, first to last within 21 days. Boosters: first about
/// three weeks after the last infusion, spacing between 2 and 6 weeks.
pub fn iv_ketamine_standard() -> Protocol {
    Protocol {
        name: "IV ketamine, standard".into(),
        modality: Modality::Iv,
        rems: false,
        chair_time: ChairTime {
            pre_dose_check_minutes: 10,
            treatment_minutes: 40,
            monitoring_minutes: 40,
        },
        phases: vec![
            Phase {
                name: "Induction".into(),
                kind: PhaseKind::Series(SeriesRules {
                    sessions: 6,
                    min_days_between: 2,
                    max_days_between: 7,
                    max_span_days: 21,
                    max_per_week: None,
                }),
            },
            Phase {
                name: "Maintenance boosters".into(),
                kind: PhaseKind::Boosters(BoosterRules {
                    default_policy: BoosterPolicy {
                        interval_days: 21,
                        floor_days: 14,
                        ceiling_days: 42,
                        tolerance_days: 3,
                    },
                    interval_steps_days: vec![14, 21, 28, 35, 42],
                }),
            },
        ],
        instructions: DayOfInstructions {
            fasting_hours: 6,
            arrive_early_minutes: 15,
            driver_required: true,
            no_driving_until_next_day: true,
        },
        staffing: None,
    }
}

/// Esketamine nasal spray (Spravato), per the label, under REMS.
///
/// Chair time: 10 min blood-pressure check + 15 min dosing (2–3 devices, 5 min
/// apart) + 120 min monitoring. Weeks 1–4: twice a phase week (8 sessions);
/// weeks 5–8: once a phase week (4 sessions); week 9 on: boosters weekly or
/// every two weeks.
pub fn esketamine_nasal() -> Protocol {
    Protocol {
        name: "Esketamine nasal (REMS)".into(),
        modality: Modality::Intranasal,
        rems: true,
        chair_time: ChairTime {
            pre_dose_check_minutes: 10,
            treatment_minutes: 15,
            monitoring_minutes: 120,
        },
        phases: vec![
            Phase {
                name: "Induction, weeks 1-4".into(),
                kind: PhaseKind::Series(SeriesRules {
                    sessions: 8,
                    min_days_between: 2,
                    max_days_between: 7,
                    max_span_days: 27,
                    max_per_week: Some(2),
                }),
            },
            Phase {
                name: "Optimization, weeks 5-8".into(),
                kind: PhaseKind::Series(SeriesRules {
                    sessions: 4,
                    min_days_between: 5,
                    max_days_between: 10,
                    max_span_days: 27,
                    max_per_week: Some(1),
                }),
            },
            Phase {
                name: "Maintenance, week 9 on".into(),
                kind: PhaseKind::Boosters(BoosterRules {
                    default_policy: BoosterPolicy {
                        interval_days: 7,
                        floor_days: 7,
                        ceiling_days: 14,
                        tolerance_days: 1,
                    },
                    interval_steps_days: vec![7, 14],
                }),
            },
        ],
        instructions: DayOfInstructions {
            fasting_hours: 2,
            arrive_early_minutes: 15,
            driver_required: true,
            no_driving_until_next_day: true,
        },
        staffing: None,
    }
}
