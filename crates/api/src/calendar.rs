//! The engine's view of a clinic, built from what the store keeps.

use chairside_engine as engine;
use chairside_store::models as m;
use chairside_store::repo::calendar::CalendarSnapshot;
use chrono_tz::Tz;

use crate::dto::clinic::{ClinicSettings, OpeningHours};
use crate::dto::common::Modality;
use crate::error::ApiError;
use crate::views::{stored, zone_of};

/// A clinic's calendar and occupancy, ready for a [`engine::Planner`].
pub struct ClinicBook {
    /// The clinic's zone.
    pub zone: Tz,
    /// Settings.
    pub settings: ClinicSettings,
    /// Hours, closures, chairs.
    pub calendar: engine::ClinicCalendar,
    /// Live sessions as chair intervals.
    pub occupancy: engine::Occupancy,
}

impl ClinicBook {
    /// Builds the engine's inputs, leaving out the sessions `except` (the
    /// ones being moved or re-planned).
    pub fn from_snapshot(snapshot: &CalendarSnapshot, except: &[i64]) -> Result<Self, ApiError> {
        let zone = zone_of(&snapshot.clinic)?;
        let settings: ClinicSettings = stored(&snapshot.clinic.settings, "settings")?;
        let hours: OpeningHours = stored(&snapshot.clinic.opening_hours, "opening hours")?;
        let chairs = snapshot
            .chairs
            .iter()
            .map(|c| {
                Ok(engine::Chair {
                    id: engine::ChairId(c.id),
                    modalities: stored::<Vec<Modality>>(&c.modalities, "modalities")?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    active: c.active,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let closures = snapshot
            .closures
            .iter()
            .map(|c| engine::Closure {
                scope: match c.chair_id {
                    Some(id) => engine::ClosureScope::Chair(engine::ChairId(id)),
                    None => engine::ClosureScope::Clinic,
                },
                span: match c.span {
                    m::ClosureSpan::Days { first, last } => {
                        engine::ClosureSpan::Days { first, last }
                    }
                    m::ClosureSpan::LocalRange { start, end } => {
                        engine::ClosureSpan::Range { start, end }
                    }
                },
            })
            .collect();
        let calendar = engine::ClinicCalendar {
            zone,
            hours: engine::WeeklyHours::from(&hours),
            closures,
            chairs,
            start_grid_minutes: settings.start_grid_minutes,
            max_starts_per_slot: settings.max_starts_per_slot,
        };
        let occupancy = engine::Occupancy::from_bookings(
            snapshot
                .sessions
                .iter()
                .filter(|s| !except.contains(&s.id))
                .map(|s| engine::Booking {
                    chair: engine::ChairId(s.chair_id),
                    interval: engine::Interval::new(s.starts_at, s.ends_at),
                }),
        );
        Ok(ClinicBook {
            zone,
            settings,
            calendar,
            occupancy,
        })
    }

    /// A planner over this book.
    pub fn planner(&self) -> Result<engine::Planner<'_>, ApiError> {
        Ok(engine::Planner::new(&self.calendar, &self.occupancy)?)
    }
}

/// Sessions as engine intervals.
pub fn intervals(sessions: &[m::Session]) -> Vec<engine::Interval> {
    sessions
        .iter()
        .map(|s| engine::Interval::new(s.starts_at, s.ends_at))
        .collect()
}
