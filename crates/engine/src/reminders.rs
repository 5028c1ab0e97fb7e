//! When reminders fall due, in clinic time (domain rule 8): "24 hours
//! before" a 10:00 session is 10:00 the day before on the clinic's clock,
//! even across a daylight-saving change.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::local_time::{boundary_instant, to_local};

/// The instant a reminder `lead_minutes` before `start` is due: the lead is
/// taken off the clinic's wall clock, and a due time the clocks skip falls
/// when they resume.
pub fn reminder_due(zone: Tz, start: DateTime<Utc>, lead_minutes: u32) -> DateTime<Utc> {
    match to_local(zone, start).checked_sub_signed(Duration::minutes(i64::from(lead_minutes))) {
        Some(local) => boundary_instant(zone, local),
        None => DateTime::<Utc>::MIN_UTC, // before the start of chrono's calendar: long due
    }
}

/// Of the lead times whose reminders are already due at `now`, the one to
/// send (the shortest: the most recent); the longer ones are skipped, since
/// a patient booked 3 hours ahead needs the 2-hour reminder, not three at once.
pub fn reminder_to_send(
    zone: Tz,
    start: DateTime<Utc>,
    leads: &[u32],
    now: DateTime<Utc>,
) -> Option<u32> {
    if now >= start {
        return None;
    }
    leads
        .iter()
        .copied()
        .filter(|lead| reminder_due(zone, start, *lead) <= now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn a_day_before_keeps_the_wall_clock_across_a_change() {
        // Sunday 1 November 2026 10:00 EST; the day before, 10:00 was EDT.
        let start = NY
            .with_ymd_and_hms(2026, 11, 1, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let due = reminder_due(NY, start, 24 * 60);
        assert_eq!(
            due.with_timezone(&NY).to_string(),
            "2026-10-31 10:00:00 EDT"
        );
        assert_eq!(start - due, Duration::hours(25));
        // Sunday 8 March 2026 10:00 EDT; the day before was EST: 23 hours.
        let start = NY
            .with_ymd_and_hms(2026, 3, 8, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            start - reminder_due(NY, start, 24 * 60),
            Duration::hours(23)
        );
    }

    #[test]
    fn only_the_latest_due_reminder_is_sent_and_none_after_the_start() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        let leads = [72 * 60, 24 * 60, 120];
        assert_eq!(
            reminder_to_send(NY, start, &leads, start - Duration::hours(80)),
            None
        );
        assert_eq!(
            reminder_to_send(NY, start, &leads, start - Duration::hours(30)),
            Some(72 * 60)
        );
        assert_eq!(
            reminder_to_send(NY, start, &leads, start - Duration::hours(1)),
            Some(120)
        );
        assert_eq!(reminder_to_send(NY, start, &leads, start), None);
    }
}
