//! The state properties, checked after every step: the model mirrors the
//! course (1); sequences are 1..n in time order (9); live sessions keep
//! the clinic's and the patient's rules (6); a course on hold or over holds
//! no booking, and every booking is a dose to come of the current series;
//! an omitted dose is never booked or given; a series never counts more
//! doses given or under way than its number, holds exactly its number when
//! it runs untroubled, and ends when its number is given (4, 5); future
//! bookings keep its spacing rules (7).

use chairside_engine::course::*;
use chairside_engine::*;
use chrono::{Duration, NaiveDate};

use super::reading::{local_day, series_of, series_rules, short, tally, Check};
use super::sut::Sut;

impl Sut {
    pub(super) fn invariants(&self) -> Check {
        let course = &self.world.course;
        self.model.mirrors(course)?;
        numbered_in_time_order(course)?;
        self.live_sessions()?;
        bookings_are_doses_to_come(course)?;
        self.counts()?;
        if course.status == CourseStatus::Active {
            if let Some(rules) = course.current_series() {
                self.running_series(rules)?;
            }
        }
        Ok(())
    }

    /// Property 6: live sessions never overlap or share a local day, never
    /// overlap the patient's other sessions or another patient's booking on
    /// their chair, and never break the clinic's start cap.
    fn live_sessions(&self) -> Check {
        let live: Vec<&CourseSession> = self
            .world
            .course
            .sessions
            .iter()
            .filter(|s| s.status.is_live())
            .collect();
        for (i, a) in live.iter().enumerate() {
            for b in &live[i + 1..] {
                ensure!(
                    !a.interval().overlaps(&b.interval()),
                    "live sessions overlap: {} and {}",
                    short(a),
                    short(b)
                );
                ensure!(
                    local_day(a.start) != local_day(b.start),
                    "live sessions share a day: {} and {}",
                    short(a),
                    short(b)
                );
            }
            let others = &self.world.others;
            if let Some(cap) = self.world.calendar.max_starts_per_slot {
                let starts = others.starts_within(a.start, a.start + Duration::minutes(15));
                ensure!(
                    starts < cap,
                    "live session {} starts in a slot where {starts} other sessions start (cap {cap})",
                    short(a)
                );
            }
            ensure!(
                others.is_free(a.chair, &a.interval()),
                "live session {} overlaps another patient's booking on its chair",
                short(a)
            );
            ensure!(
                !self
                    .world
                    .elsewhere
                    .iter()
                    .any(|e| e.overlaps(&a.interval())),
                "live session {} overlaps the patient's session in another course",
                short(a)
            );
        }
        Ok(())
    }

    /// Property 4: a series never counts more completed doses than its
    /// number; an ended one has none under way, the running one never more
    /// given and under way than its number (a series must not end, or end
    /// over its number, under a dose being given).
    fn counts(&self) -> Check {
        let course = &self.world.course;
        for phase in 0..=course.phase.min(course.protocol.phases.len() - 1) {
            let Some(rules) = series_rules(&course.protocol, phase) else {
                continue;
            };
            let from = if phase == course.phase {
                course.series_started_at
            } else {
                self.model.series_from.get(&phase).copied().flatten()
            };
            let t = tally(rules, &series_of(course, phase, from));
            let ended = phase < course.phase || course.status == CourseStatus::Completed;
            let (counted, what) = match ended {
                true => (t.completed, "completed"),
                false => (t.completed + t.in_progress, "given or under way"),
            };
            ensure!(
                counted <= t.target,
                "phase {phase} has {counted} doses {what}; its count is {}",
                t.target
            );
            ensure!(
                !ended || t.in_progress == 0,
                "phase {phase} ended with {} doses under way",
                t.in_progress
            );
        }
        Ok(())
    }

    /// An active series: the engine counts as the model does; it holds
    /// exactly its number (a dose owed is booked, one not owed is
    /// cancelled), or fewer while a clinician decides how the owed doses
    /// are booked — never more; a number reached ends it
    /// (property 5, second half); its future bookings keep its rules
    /// unless it is at risk or extended (property 7).
    fn running_series(&self, rules: &SeriesRules) -> Check {
        let course = &self.world.course;
        let series = series_of(course, course.phase, course.series_started_at);
        let t = tally(rules, &series);
        let count = SeriesCount::of(course, course.phase, rules);
        ensure!(
            (
                count.target,
                count.completed,
                count.in_progress,
                count.planned
            ) == (t.target, t.completed, t.in_progress, t.booked),
            "SeriesCount {count:?}, the model counts {t:?}"
        );
        let held = t.completed + t.in_progress + t.booked;
        ensure!(
            held == t.target || (course.at_risk.is_some() && held < t.target),
            "the series holds {} doses but {held} are given, under way or booked",
            t.target
        );
        ensure!(
            t.completed < t.target,
            "phase {} has all {} doses completed and has not ended",
            course.phase,
            t.target
        );
        let future = series
            .iter()
            .any(|s| s.status == SessionStatus::Booked && s.start > self.now());
        if future && course.at_risk.is_none() && !course.extension_accepted {
            let dates: Vec<NaiveDate> = series
                .iter()
                .filter(|s| s.status.is_dose())
                .map(|s| local_day(s.start))
                .collect();
            let violations = series_violations(rules, &dates);
            ensure!(
                violations.is_empty(),
                "the series breaks its rules, not at risk: {violations:?}"
            );
        }
        Ok(())
    }
}

/// Property 9: sequences 1..n in time order, per phase.
fn numbered_in_time_order(course: &Course) -> Check {
    let mut phases: Vec<usize> = course.sessions.iter().map(|s| s.phase).collect();
    phases.sort();
    phases.dedup();
    for phase in phases {
        let in_phase = series_of(course, phase, None);
        let sequences: Vec<u32> = in_phase.iter().map(|s| s.sequence).collect();
        let want: Vec<u32> = (1..=in_phase.len() as u32).collect();
        ensure!(
            sequences == want,
            "phase {phase} numbered {sequences:?} in time order"
        );
    }
    Ok(())
}

/// A course on hold or over holds no booking (domain: a paused course has
/// no sessions booked; a clinician resumes or ends it). A booking is a dose
/// to come of the phase that runs and its current series, never omitted.
fn bookings_are_doses_to_come(course: &Course) -> Check {
    for s in &course.sessions {
        ensure!(
            !s.omitted || !s.status.is_dose(),
            "omitted session {} is {}",
            s.id.0,
            s.status
        );
        if s.status != SessionStatus::Booked {
            continue;
        }
        ensure!(
            course.status == CourseStatus::Active,
            "a {} course holds booked session {}",
            course.status,
            short(s)
        );
        let current =
            s.phase == course.phase && course.series_started_at.is_none_or(|t| s.start >= t);
        ensure!(
            current,
            "booked session {} is not of the current series",
            short(s)
        );
    }
    Ok(())
}
