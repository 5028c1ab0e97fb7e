//! Who is on the floor when: staff members, their weekly shifts in clinic
//! time and the dated exceptions (leave, an extra shift, a day at another
//! site), and the clinic's own staffing ratios.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::needs::{preset_needs, validate_ratios, StaffNeed, StaffRatios};
use super::StaffRole;
use crate::calendar::{check_hours, ClosureSpan, Modality, WeeklyHours};
use crate::error::EngineError;
use crate::names::named_enum;
use crate::occupancy::Interval;
use crate::protocol::Protocol;

/// A staff member's identity, as the store knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffId(pub i64);

named_enum! {
    /// What a dated exception does to a staff member's week.
    pub enum ShiftExceptionKind as "shift exception kind" {
        /// Not on the floor (leave, sickness).
        Leave => "leave",
        /// On the floor outside the weekly shifts.
        ExtraShift => "extra_shift",
        /// Working at another of the practice's sites: off this floor, as
        /// leave is, but said for what it is.
        OtherSite => "other_site",
    }
}

/// One dated change to a staff member's week, in clinic-local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftException {
    pub kind: ShiftExceptionKind,
    pub span: ClosureSpan,
}

/// A person who works the floor, as the planner sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: StaffId,
    /// What they may do; a nurse practitioner may be prescriber and nurse.
    pub roles: Vec<StaffRole>,
    /// Weekly shifts, wall-clock in the clinic's zone.
    pub shifts: WeeklyHours,
    #[serde(default)]
    pub exceptions: Vec<ShiftException>,
}

/// The clinic's staff and the ratios it keeps. With no members the clinic
/// has not adopted staff planning and sessions need chairs only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staffing {
    #[serde(default)]
    pub members: Vec<StaffMember>,
    /// The clinic's ratios per modality, replacing the protocol's.
    #[serde(default)]
    pub ratios: Vec<StaffRatios>,
}

/// When one member is on the floor on some local dates: shifts and extra
/// shifts, less leave.
#[derive(Clone, Debug, Default)]
pub(crate) struct Duty {
    pub roles: Vec<StaffRole>,
    pub on: Vec<Interval>,
    pub off: Vec<Interval>,
}

impl Duty {
    /// Whether the member is on the floor at this instant.
    pub fn at(&self, t: chrono::DateTime<chrono::Utc>) -> bool {
        let inside = |i: &Interval| i.start <= t && t < i.end;
        self.on.iter().any(inside) && !self.off.iter().any(inside)
    }
}

impl Staffing {
    /// Whether the planner must look at staff at all.
    pub fn applies(&self) -> bool {
        !self.members.is_empty()
    }

    /// What a session of this protocol needs: the clinic's ratios for the
    /// modality, else the protocol's, else the modality's preset.
    pub fn needs_for(&self, protocol: &Protocol) -> Vec<StaffNeed> {
        self.needs_for_modality(protocol.modality, protocol.staffing.as_deref())
    }

    /// As [`Staffing::needs_for`], from the modality and the protocol's own needs.
    pub fn needs_for_modality(
        &self,
        modality: Modality,
        protocol_needs: Option<&[StaffNeed]>,
    ) -> Vec<StaffNeed> {
        if let Some(own) = self.ratios.iter().find(|r| r.modality == modality) {
            return own.needs.clone();
        }
        protocol_needs.map_or_else(|| preset_needs(modality), <[StaffNeed]>::to_vec)
    }

    /// Checks members, shifts, exceptions and ratios.
    pub fn validate(&self) -> Result<(), EngineError> {
        for (i, member) in self.members.iter().enumerate() {
            member.validate(&format!("staff[{i}]"))?;
        }
        validate_ratios(&self.ratios)
    }

    /// Every member's duty on the local dates `first..=last`.
    pub(crate) fn duty(&self, zone: Tz, first: NaiveDate, last: NaiveDate) -> Vec<Duty> {
        self.members
            .iter()
            .map(|m| m.duty(zone, first, last))
            .collect()
    }
}

impl StaffMember {
    /// Checks roles, shifts and exceptions.
    pub fn validate(&self, field: &str) -> Result<(), EngineError> {
        if self.roles.is_empty() {
            return Err(EngineError::invalid(
                format!("{field}.roles"),
                "a staff member needs at least one role",
            ));
        }
        check_hours(&self.shifts).map_err(|e| e.within(&format!("{field}.shifts")))?;
        for (i, exception) in self.exceptions.iter().enumerate() {
            let at = format!("{field}.exceptions[{i}]");
            check_exception(exception, &at)?;
        }
        Ok(())
    }

    fn duty(&self, zone: Tz, first: NaiveDate, last: NaiveDate) -> Duty {
        let mut duty = Duty {
            roles: self.roles.clone(),
            ..Duty::default()
        };
        for date in first.iter_days().take_while(|d| *d <= last) {
            for range in self.shifts.on(date.weekday()) {
                duty.on.extend(Interval::non_empty(
                    range.opens_at(zone, date),
                    range.closes_at(zone, date),
                ));
            }
        }
        for exception in &self.exceptions {
            let Some(interval) = exception.span.instants(zone) else {
                continue;
            };
            match exception.kind {
                ShiftExceptionKind::Leave | ShiftExceptionKind::OtherSite => {
                    duty.off.push(interval)
                }
                ShiftExceptionKind::ExtraShift => duty.on.push(interval),
            }
        }
        duty
    }
}

fn check_exception(exception: &ShiftException, field: &str) -> Result<(), EngineError> {
    if exception.kind == ShiftExceptionKind::ExtraShift
        && matches!(exception.span, ClosureSpan::Days { .. })
    {
        return Err(EngineError::invalid(
            format!("{field}.span"),
            "an extra shift is a time range (kind: range or instants), not whole days",
        ));
    }
    if let Some(why) = exception.span.backwards() {
        return Err(EngineError::invalid(format!("{field}.span"), why));
    }
    let (first, last) = exception.span.dates();
    crate::dates::check(&format!("{field}.span"), first)?;
    crate::dates::check(&format!("{field}.span"), last)?;
    Ok(())
}
