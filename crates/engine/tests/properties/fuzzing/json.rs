//! Protocols and calendars as JSON with numbers of any size.

use chairside_engine::*;
use proptest::prelude::*;

use super::plan_every_phase;
use crate::support::proptest_config;

/// JSON numbers of any size, mostly plausible ones.
fn json_int(plausible: std::ops::RangeInclusive<i64>) -> BoxedStrategy<serde_json::Value> {
    prop_oneof![
        1 => any::<i64>().prop_map(serde_json::Value::from),
        1 => Just(serde_json::json!(-1.5)),
        1 => Just(serde_json::json!("7")),
        1 => Just(serde_json::Value::Null),
        8 => plausible.prop_map(serde_json::Value::from),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// JSON with numbers of any size: deserialising, validating and
    /// planning never panic.
    #[test]
    fn json_protocols_and_calendars_never_panic(
        series in (json_int(1..=8), json_int(1..=4), json_int(1..=10), json_int(0..=40), json_int(1..=3)),
        boosters in (json_int(7..=30), json_int(1..=14), json_int(14..=60), json_int(0..=5)),
        chair_time in (json_int(0..=15), json_int(1..=60), json_int(0..=180)),
        calendar in (json_int(1..=60), json_int(1..=3), json_int(-2..=5)),
    ) {
        let protocol = serde_json::json!({
            "name": "Fuzzed",
            "modality": "iv",
            "chair_time": {
                "pre_dose_check_minutes": chair_time.0,
                "treatment_minutes": chair_time.1,
                "monitoring_minutes": chair_time.2,
            },
            "phases": [
                {"name": "Induction", "kind": "series", "sessions": series.0,
                 "min_days_between": series.1, "max_days_between": series.2,
                 "max_span_days": series.3, "max_per_week": series.4},
                {"name": "Boosters", "kind": "boosters",
                 "default_policy": {"interval_days": boosters.0, "floor_days": boosters.1,
                                    "ceiling_days": boosters.2, "tolerance_days": boosters.3},
                 "interval_steps_days": [boosters.0]},
            ],
            "instructions": {"fasting_hours": 6, "arrive_early_minutes": 15,
                             "driver_required": true, "no_driving_until_next_day": true},
        });
        let calendar = serde_json::json!({
            "zone": "Asia/Kathmandu",
            "hours": {"mon": [{"opens": "08:00:00", "closes": "18:00:00"}],
                      "wed": [{"opens": "08:00:00", "closes": "12:00:00"},
                              {"opens": "13:00:00", "closes": "18:00:00"}]},
            "chairs": [{"id": calendar.1, "modalities": ["iv"]}, {"id": 9, "modalities": ["iv", "im"]}],
            "start_grid_minutes": calendar.0,
            "max_starts_per_slot": calendar.2,
        });
        let protocol: Result<Protocol, _> = serde_json::from_value(protocol);
        let calendar: Result<ClinicCalendar, _> = serde_json::from_value(calendar);
        let (Ok(protocol), Ok(calendar)) = (protocol, calendar) else {
            return Ok(());
        };
        let occupancy = Occupancy::new();
        let (Ok(()), Ok(planner)) = (protocol.validate(), Planner::new(&calendar, &occupancy)) else {
            return Ok(());
        };
        plan_every_phase(&planner, &protocol)?;
    }
}
