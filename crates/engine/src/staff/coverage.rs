//! Whether the staff on the floor can cover every patient in every segment.
//!
//! At each instant, each staffing rule asks for people: a rule of one per
//! `n` patients asks for ⌈patients / n⌉, an "on site" rule for one while
//! anyone is in its segment. Rules of the same role and ratio pool their
//! patients (four patients in recovery share one 1:4 nurse, whichever
//! protocol brought them). A person covers one role at a time, so the ask is
//! met when, for every set of roles, the people able to fill any of them are
//! at least as many as those roles ask for together (Hall's condition: with
//! three roles that is seven sums, and exact).
//!
//! Only instants where the new session needs someone are checked, split at
//! every point where a load, a shift or a leave begins or ends: between two
//! such points nothing changes, so one look covers every minute.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::needs::Load;
use super::roster::Duty;
use super::StaffRole;

/// The staff on the floor over some local dates.
pub struct Coverage {
    duty: Vec<Duty>,
}

/// Where a session would leave patients uncovered: the first instant, the
/// roles that run short there, and the numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    pub at: DateTime<Utc>,
    pub roles: Vec<StaffRole>,
    /// People those roles would need at that instant, this session included.
    pub needed: u32,
    /// People on the floor who could fill them.
    pub on_floor: u32,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
        write!(
            f,
            "at {} it needs {} {} and {} on shift",
            self.at.format("%Y-%m-%dT%H:%MZ"),
            self.needed,
            roles.join(" or "),
            self.on_floor
        )
    }
}

fn bit(role: StaffRole) -> u8 {
    let index = StaffRole::ALL
        .iter()
        .position(|r| *r == role)
        .expect("every role is in ALL");
    1 << index
}

impl Coverage {
    pub(crate) fn new(duty: Vec<Duty>) -> Self {
        Coverage { duty }
    }

    /// Who is on the floor (their roles) at an instant.
    pub(super) fn on_floor_at(&self, t: DateTime<Utc>) -> impl Iterator<Item = &[StaffRole]> {
        self.duty
            .iter()
            .filter(move |d| d.at(t))
            .map(|d| d.roles.as_slice())
    }

    /// Every instant in `[from, to)` at which a shift or a leave begins or ends.
    pub(super) fn changes_within(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.duty
            .iter()
            .flat_map(|d| d.on.iter().chain(&d.off))
            .flat_map(|i| [i.start, i.end])
            .filter(move |t| from <= *t && *t < to)
    }

    /// Whether adding `new` to `booked` keeps every instant of `new` covered.
    pub fn check<'l>(
        &self,
        booked: impl Iterator<Item = &'l Load> + Clone,
        new: &'l [Load],
    ) -> Result<(), Shortfall> {
        for t in self.instants(booked.clone(), new) {
            let active = |l: &&Load| l.interval.start <= t && t < l.interval.end;
            if !new.iter().any(|l| active(&l)) {
                continue;
            }
            let asked = asked_per_role(
                booked
                    .clone()
                    .filter(active)
                    .chain(new.iter().filter(active)),
            );
            self.meet(t, &asked)?;
        }
        Ok(())
    }

    /// Every instant within `new` at which something changes, in order.
    fn instants<'l>(
        &self,
        booked: impl Iterator<Item = &'l Load>,
        new: &'l [Load],
    ) -> Vec<DateTime<Utc>> {
        let (Some(from), Some(to)) = (
            new.iter().map(|l| l.interval.start).min(),
            new.iter().map(|l| l.interval.end).max(),
        ) else {
            return Vec::new();
        };
        let spans = new.iter().chain(booked).map(|l| l.interval).chain(
            self.duty
                .iter()
                .flat_map(|d| d.on.iter().chain(&d.off))
                .copied(),
        );
        let mut points: Vec<_> = spans
            .flat_map(|i| [i.start, i.end])
            .filter(|t| from <= *t && *t < to)
            .chain([from])
            .collect();
        points.sort_unstable();
        points.dedup();
        points
    }

    /// Hall's condition over the roles asked for at `t`.
    fn meet(&self, t: DateTime<Utc>, asked: &[(StaffRole, u32)]) -> Result<(), Shortfall> {
        let on_floor: Vec<u8> = self
            .duty
            .iter()
            .filter(|d| d.at(t))
            .map(|d| d.roles.iter().fold(0, |m, r| m | bit(*r)))
            .collect();
        let asked_mask = asked.iter().fold(0u8, |m, (r, _)| m | bit(*r));
        // Every non-empty subset of the roles asked for, smallest first, so
        // a single short role is named alone.
        let mut subsets: Vec<u8> = (1..=asked_mask).filter(|s| s & !asked_mask == 0).collect();
        subsets.sort_by_key(|s| s.count_ones());
        for subset in subsets {
            let needed: u32 = asked
                .iter()
                .filter(|(r, _)| bit(*r) & subset != 0)
                .map(|(_, n)| n)
                .sum();
            let able = on_floor.iter().filter(|m| *m & subset != 0).count() as u32;
            if needed > able {
                return Err(Shortfall {
                    at: t,
                    roles: StaffRole::ALL
                        .iter()
                        .copied()
                        .filter(|r| bit(*r) & subset != 0)
                        .collect(),
                    needed,
                    on_floor: able,
                });
            }
        }
        Ok(())
    }
}

/// How many people each role is asked for by the loads active at one instant.
pub(super) fn asked_per_role<'l>(active: impl Iterator<Item = &'l Load>) -> Vec<(StaffRole, u32)> {
    let mut patients: HashMap<(StaffRole, Option<u32>), u32> = HashMap::new();
    for load in active {
        *patients
            .entry((load.role, load.patients_per_staff))
            .or_default() += 1;
    }
    let mut per_role: Vec<(StaffRole, u32)> = Vec::new();
    for ((role, ratio), count) in patients {
        let people = match ratio {
            Some(n) => count.div_ceil(n),
            None => 1,
        };
        match per_role.iter_mut().find(|(r, _)| *r == role) {
            Some((_, total)) => *total += people,
            None => per_role.push((role, people)),
        }
    }
    per_role
}
