//! An induction series is planned exactly: the best plan that keeps every
//! spacing rule, not the first a greedy search stumbles on.

use chairside_engine::*;

use super::{full_day, plan_in_empty_clinic, plan_ten_am};
use crate::support::clinics::weekday_clinic;
use crate::support::planning::dates;
use crate::support::wall_clock::{date, NEW_YORK};

#[test]
fn induction_is_exact_where_earliest_first_greedy_dead_ends_on_a_full_week() {
    // Tue 3, Fri 6 and Mon 9 - Wed 11 are full. Taking the earliest day each
    // time gives Mon 2, Wed 4, and then the next must come within 7 days,
    // but Fri 6 .. Wed 11 are all full: a dead end (and restarting greedily
    // from a later first day finishes later). The exact plan takes Thu 5
    // instead and bridges the full week in exactly 7 days.
    let calendar = weekday_clinic(NEW_YORK, 1);
    let full = [3, 6, 9, 10, 11].map(|d| full_day(1, date(2026, 3, d)));
    let occupancy = Occupancy::from_bookings(full);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, date(2026, 3, 2)).unwrap();
    assert_eq!(
        dates(&plan.sessions),
        [2, 5, 12, 16, 18, 20].map(|d| date(2026, 3, d))
    );
    assert!(series_violations(protocol.series(0).unwrap(), &dates(&plan.sessions)).is_empty());
}

#[test]
fn induction_is_exact_across_a_closure_week() {
    // The same trap made by a clinic closure (Fri 6 - Wed 11) instead of full chairs.
    let mut calendar = weekday_clinic(NEW_YORK, 2);
    calendar.closures.push(Closure {
        scope: ClosureScope::Clinic,
        span: ClosureSpan::Days {
            first: date(2026, 3, 6),
            last: date(2026, 3, 11),
        },
    });
    let occupancy =
        Occupancy::from_bookings([full_day(1, date(2026, 3, 3)), full_day(2, date(2026, 3, 3))]);
    let protocol = presets::iv_ketamine_standard();
    let plan = plan_ten_am(&calendar, &occupancy, &protocol, date(2026, 3, 2)).unwrap();
    assert_eq!(
        dates(&plan.sessions)[..3],
        [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 12)]
    );
    assert_eq!(plan.sessions[5].local_date, date(2026, 3, 20));
}

#[test]
fn esketamine_induction_keeps_two_sessions_per_phase_week() {
    let calendar = weekday_clinic(NEW_YORK, 1);
    let plan =
        plan_in_empty_clinic(&calendar, &presets::esketamine_nasal(), date(2026, 3, 2)).unwrap();
    let got = dates(&plan.sessions);
    assert_eq!(got.len(), 8);
    let day1 = got[0];
    for week in 0..4 {
        let n = got
            .iter()
            .filter(|d| (**d - day1).num_days() / 7 == week)
            .count();
        assert_eq!(n, 2, "phase week {} holds {n}: {got:?}", week + 1);
    }
}
