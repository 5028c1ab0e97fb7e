//! The clinics example tests start from.

use chairside_engine::*;
use chrono_tz::Tz;

use super::wall_clock::{time, WEEK, WEEKDAYS};

/// Chairs 1 to `n`, each for IV and nasal treatment.
pub fn iv_and_nasal_chairs(n: i64) -> Vec<Chair> {
    (1..=n)
        .map(|id| Chair {
            id: ChairId(id),
            modalities: vec![Modality::Iv, Modality::Intranasal],
            active: true,
        })
        .collect()
}

/// Open Monday to Friday, 08:00-18:00, with `chairs` chairs for IV and
/// nasal treatment.
pub fn weekday_clinic(zone: Tz, chairs: i64) -> ClinicCalendar {
    ClinicCalendar::new(
        zone,
        WeeklyHours::uniform(&WEEKDAYS, time(8, 0), time(18, 0)),
        iv_and_nasal_chairs(chairs),
    )
}

/// One IV chair (chair 1), open `hours`.
pub fn one_chair(zone: Tz, hours: WeeklyHours) -> ClinicCalendar {
    ClinicCalendar::new(
        zone,
        hours,
        vec![Chair {
            id: ChairId(1),
            modalities: vec![Modality::Iv],
            active: true,
        }],
    )
}

/// One IV chair, open every day 08:00-18:00: nothing but the dates in
/// question stands in a plan's way.
pub fn one_chair_every_day(zone: Tz) -> ClinicCalendar {
    one_chair(zone, WeeklyHours::uniform(&WEEK, time(8, 0), time(18, 0)))
}
