//! A clinic's settings: the policy choices that the rules of the calendar
//! and of every course read (start grid, boosters booked ahead, when the
//! desk may check a patient in, when a patient counts as a no-show, how
//! spacing suggestions are made). Each has the common value as default.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::monitoring::BloodPressureLimit;
use crate::staff::StaffRatios;
use crate::suggestion::{Instrument, SuggestionRules, Thresholds};

/// Clinic-wide settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicSettings {
    /// Sessions start on this grid, minutes from local midnight (divides a day).
    #[serde(default = "defaults::grid")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 240, example = 15))]
    pub start_grid_minutes: u32,
    /// At most this many sessions may start in one grid slot (staggered
    /// starts); absent = no cap.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub max_starts_per_slot: Option<u32>,
    /// Reminder lead times before a session, in minutes.
    #[serde(default = "defaults::reminders")]
    pub reminder_lead_times_minutes: Vec<u32>,
    /// How many future boosters stay booked ahead.
    #[serde(default = "defaults::boosters_ahead")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 12))]
    pub boosters_ahead: u32,
    /// The site is certified under the esketamine REMS.
    #[serde(default)]
    pub rems_certified: bool,
    /// The desk may check a patient in from this many minutes before the
    /// session's start (on the session's local day only).
    #[serde(default = "defaults::check_in_lead")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 720))]
    pub check_in_opens_minutes_before: u32,
    /// A patient may be marked no-show only this many minutes after the
    /// session's start (they may still be on their way).
    #[serde(default = "defaults::no_show_grace")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub no_show_grace_minutes: u32,
    /// A booked session not checked in this many minutes after its start is
    /// marked no-show automatically.
    #[serde(default = "defaults::no_show_after")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1440))]
    pub no_show_after_minutes: u32,
    /// A patient who cancels (or asks to move) a booking less than this many
    /// hours before its start cancels late: the session says so, and it
    /// binds the patient (never a clinician's change).
    #[serde(default = "defaults::late_cancellation_notice")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 336, example = 24))]
    pub late_cancellation_notice_hours: u32,
    /// How booster spacing suggestions are made.
    #[serde(default)]
    pub suggestion: SuggestionSettings,
    /// Plan with staff: a session is offered only when the staff on shift
    /// can cover every segment of it (with at least one active member
    /// listed). Off by default, so a clinic lists its staff before it relies
    /// on them; turning it on is refused while booked sessions would be
    /// left uncovered.
    #[serde(default)]
    pub plan_with_staff: bool,
    /// The clinic's own staffing per modality, replacing the protocols'
    /// (e.g. one nurse per three in recovery instead of four).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff_ratios: Vec<StaffRatios>,
    /// Above this pre-dose blood pressure, dosing waits for a clinician's
    /// decision (the label's guidance, 140/90 mmHg, by default).
    #[serde(default)]
    pub blood_pressure_limit: BloodPressureLimit,
    /// Backfill: chair time that frees up is offered, held this many
    /// minutes for the one who gains most (an at-risk course, a course
    /// whose next session moves earlier, the waiting list). Absent: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30, example = 15))]
    pub backfill_offer_minutes: Option<u32>,
}

/// The rules behind booster spacing suggestions; thresholds left out take
/// the values in common use for the instrument (PHQ-9: remission < 5,
/// response ≥ 50 %; MADRS: remission ≤ 12; GAD-7: < 5; PCL-5: < 33, response
/// a 10-point change).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionSettings {
    /// The instrument that guides spacing.
    #[serde(default = "defaults::instrument")]
    pub instrument: Instrument,
    /// Remission: a score at or below this.
    #[serde(default)]
    pub remission_at_most: Option<i32>,
    /// Response: at least this percent below baseline.
    #[serde(default)]
    pub response_percent: Option<i32>,
    /// Response: or at least this many points below baseline.
    #[serde(default)]
    pub response_points: Option<i32>,
    /// Lengthen only after this many consecutive scores in remission.
    #[serde(default = "defaults::held_for")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 12))]
    pub remission_held_for: u32,
}

impl Default for SuggestionSettings {
    fn default() -> Self {
        SuggestionSettings {
            instrument: defaults::instrument(),
            remission_at_most: None,
            response_percent: None,
            response_points: None,
            remission_held_for: defaults::held_for(),
        }
    }
}

impl Default for ClinicSettings {
    fn default() -> Self {
        ClinicSettings {
            start_grid_minutes: defaults::grid(),
            max_starts_per_slot: None,
            reminder_lead_times_minutes: defaults::reminders(),
            boosters_ahead: defaults::boosters_ahead(),
            rems_certified: false,
            check_in_opens_minutes_before: defaults::check_in_lead(),
            no_show_grace_minutes: defaults::no_show_grace(),
            no_show_after_minutes: defaults::no_show_after(),
            late_cancellation_notice_hours: defaults::late_cancellation_notice(),
            suggestion: SuggestionSettings::default(),
            plan_with_staff: false,
            staff_ratios: Vec::new(),
            blood_pressure_limit: BloodPressureLimit::default(),
            backfill_offer_minutes: None,
        }
    }
}

impl ClinicSettings {
    /// The engine's suggestion rules from these settings.
    pub fn suggestion_rules(&self) -> SuggestionRules {
        let s = &self.suggestion;
        let common = Thresholds::common(s.instrument);
        SuggestionRules {
            instrument: s.instrument,
            thresholds: Thresholds {
                remission_at_most: s.remission_at_most.unwrap_or(common.remission_at_most),
                response_percent: s.response_percent.unwrap_or(common.response_percent),
                response_points: s.response_points.or(common.response_points),
            },
            remission_held_for: s.remission_held_for,
        }
    }

    /// Checks every setting's range (the start grid is checked with the
    /// calendar, [`crate::ClinicCalendar::validate`]). Fields are named
    /// from the settings object (`boosters_ahead`).
    pub fn validate(&self) -> Result<(), EngineError> {
        for (field, value, least, most) in self.ranges() {
            if !(least..=most).contains(&value) {
                return Err(EngineError::invalid(
                    field,
                    format!("must be between {least} and {most}"),
                ));
            }
        }
        if self.no_show_after_minutes < self.no_show_grace_minutes {
            return Err(EngineError::invalid(
                "no_show_after_minutes",
                format!(
                    "the automatic no-show ({} min) cannot come before the grace period ends ({} min)",
                    self.no_show_after_minutes, self.no_show_grace_minutes
                ),
            ));
        }
        if self
            .reminder_lead_times_minutes
            .iter()
            .any(|m| *m == 0 || *m > 30 * 24 * 60)
        {
            return Err(EngineError::invalid(
                "reminder_lead_times_minutes",
                "each lead time must be between 1 minute and 30 days",
            ));
        }
        self.blood_pressure_limit.validate()?;
        crate::staff::needs::validate_ratios(&self.staff_ratios)
    }

    /// Each bounded setting: its field, its value, and the least and most
    /// it may be.
    fn ranges(&self) -> [(&'static str, u32, u32, u32); 8] {
        [
            ("boosters_ahead", self.boosters_ahead, 1, 12),
            (
                "max_starts_per_slot",
                self.max_starts_per_slot.unwrap_or(1),
                1,
                100,
            ),
            (
                "check_in_opens_minutes_before",
                self.check_in_opens_minutes_before,
                0,
                12 * 60,
            ),
            (
                "no_show_grace_minutes",
                self.no_show_grace_minutes,
                0,
                24 * 60,
            ),
            (
                "no_show_after_minutes",
                self.no_show_after_minutes,
                0,
                24 * 60,
            ),
            (
                "late_cancellation_notice_hours",
                self.late_cancellation_notice_hours,
                0,
                14 * 24,
            ),
            (
                "suggestion.remission_held_for",
                self.suggestion.remission_held_for,
                0,
                12,
            ),
            (
                "backfill_offer_minutes",
                self.backfill_offer_minutes.unwrap_or(1),
                1,
                crate::backfill::MAX_OFFER_MINUTES,
            ),
        ]
    }
}

mod defaults {
    use crate::suggestion::Instrument;

    pub fn grid() -> u32 {
        crate::calendar::DEFAULT_START_GRID_MINUTES
    }
    pub fn reminders() -> Vec<u32> {
        vec![72 * 60, 24 * 60, 120]
    }
    pub fn boosters_ahead() -> u32 {
        1
    }
    pub fn check_in_lead() -> u32 {
        60
    }
    pub fn no_show_grace() -> u32 {
        15
    }
    pub fn no_show_after() -> u32 {
        60
    }
    pub fn late_cancellation_notice() -> u32 {
        24
    }
    pub fn instrument() -> Instrument {
        Instrument::Phq9
    }
    pub fn held_for() -> u32 {
        2
    }
}
