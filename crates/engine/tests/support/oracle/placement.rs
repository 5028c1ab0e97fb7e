//! Every calendar rule a session the engine placed must keep, checked one
//! by one so that a failure names the rule.

use chairside_engine::ChairId;
use chrono::{LocalResult, NaiveDate, NaiveTime, TimeZone, Timelike};

use super::{local, overlap, Clinic, Span, Treatment};

impl Clinic<'_> {
    /// Every calendar rule one placed session must keep; `Err` says which
    /// it breaks.
    pub fn check_placement(
        &self,
        treatment: &Treatment,
        chair: ChairId,
        span: Span,
        date: NaiveDate,
        time: NaiveTime,
    ) -> Result<(), String> {
        let (modality, duration) = (treatment.modality, treatment.duration());
        let zone = self.zone();
        let here = format!("{date} {time} on chair {}", chair.0);
        if span.1 - span.0 != duration {
            return Err(format!("{here}: holds the chair {}", span.1 - span.0));
        }
        if local(zone, span.0) != date.and_time(time) {
            return Err(format!(
                "{here}: the instant {} reads {} on the clinic's clock",
                span.0,
                local(zone, span.0)
            ));
        }
        match zone.from_local_datetime(&date.and_time(time)) {
            LocalResult::Single(_) => {}
            other => return Err(format!("{here}: the local start is guessed: {other:?}")),
        }
        let grid = self.calendar.start_grid_minutes;
        if time.second() != 0 || !(time.hour() * 60 + time.minute()).is_multiple_of(grid) {
            return Err(format!("{here}: off the {grid}-minute grid"));
        }
        if !self
            .opening(date)
            .iter()
            .any(|o| o.0 <= span.0 && span.1 <= o.1)
        {
            return Err(format!("{here}: outside the opening hours"));
        }
        let Some(c) = self.calendar.chairs.iter().find(|c| c.id == chair) else {
            return Err(format!("{here}: not a chair of the clinic"));
        };
        if !c.active || !c.modalities.contains(&modality) {
            return Err(format!("{here}: chair inactive or not equipped"));
        }
        if let Some(b) = self
            .bookings
            .iter()
            .find(|b| b.chair == chair && overlap((b.interval.start, b.interval.end), span))
        {
            return Err(format!("{here}: overlaps the booking {b:?}"));
        }
        if !self.chair_open(c, modality, span) {
            return Err(format!("{here}: a closure covers it"));
        }
        if !self.cap_allows(span.0) {
            return Err(format!("{here}: the start slot is at its cap"));
        }
        if !self.staff_covers(treatment, span.0) {
            return Err(format!("{here}: the staff on the floor cannot cover it"));
        }
        Ok(())
    }
}
