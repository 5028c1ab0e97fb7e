//! The protocol of a case: one series of valid rules, a chair time, and
//! mostly a modality some active chair supports.

use chairside_engine::*;
use proptest::prelude::*;

use super::Shape;

/// (sessions, min gap, extra max gap, extra span, cap)
pub(super) type RawSeries = (i32, i32, i32, i32, Option<i32>);

pub(super) fn raw_series(shape: Shape) -> BoxedStrategy<RawSeries> {
    (
        shape.min_sessions..=shape.max_sessions,
        1..=3i32,
        0..=5i32,
        0..=shape.max_span_extra,
        prop::option::weighted(0.3, 1..=3i32),
    )
        .boxed()
}

/// Valid series rules: span at least (n-1)*min; the cap only if it can hold n.
pub fn series_rules((n, min, extra, span_extra, cap): RawSeries) -> SeriesRules {
    let max_span_days = (n - 1) * min + span_extra;
    let max_per_week = cap.filter(|c| c * (max_span_days / 7 + 1) >= n);
    SeriesRules {
        sessions: n,
        min_days_between: min,
        max_days_between: min + extra,
        max_span_days,
        max_per_week,
    }
}

/// The IV preset with its first phase, modality and chair time replaced.
pub(super) fn protocol(modality: Modality, chair_time: ChairTime, rules: SeriesRules) -> Protocol {
    let mut protocol = presets::iv_ketamine_standard();
    protocol.modality = modality;
    protocol.chair_time = chair_time;
    protocol.phases[0].kind = PhaseKind::Series(rules);
    protocol
}

pub(super) fn chair_time(shape: Shape) -> BoxedStrategy<ChairTime> {
    let (pre, treatment, monitoring) = shape.chair_time;
    let usual = (0..=pre, shape.min_treatment..=treatment, 0..=monitoring);
    // Short sessions fit between the clock changes of a DST night.
    let short = (0..=5, 5..=15, 0..=10);
    let parts = if shape.short_sessions {
        prop_oneof![4 => usual, 1 => short].boxed()
    } else {
        usual.boxed()
    };
    parts
        .prop_map(|(p, t, m)| ChairTime {
            pre_dose_check_minutes: p,
            treatment_minutes: t,
            monitoring_minutes: m,
        })
        .boxed()
}

/// Mostly a modality some active chair supports; now and then any.
pub(super) fn modality(calendar: &ClinicCalendar, choice: u8) -> Modality {
    let offered: Vec<Modality> = calendar
        .chairs
        .iter()
        .filter(|c| c.active)
        .flat_map(|c| c.modalities.iter().copied())
        .collect();
    let all = [Modality::Iv, Modality::Intranasal, Modality::Im];
    if choice < 12 && !offered.is_empty() {
        offered[choice as usize % offered.len()]
    } else {
        all[choice as usize % 3]
    }
}
