//! Applying the engine's decisions to a course: its sessions (chairs freed
//! first, then changes, then bookings), the REMS forms that fall due, the
//! booster policy history and the course's state, each row only if it is
//! still at the version the decision read.

use chairside_engine::course::{self as engine, CourseState, Decision};
use diesel::prelude::*;

use crate::backend::DbConnection;
use crate::columns::{doc, now};
use crate::error::StoreError;
use crate::models::{columns, Actor, BoosterPolicyChange, Course, Session};
use crate::repo::{require_transaction, sessions, version_miss};
use crate::schema::booster_policy_changes::dsl as b;
use crate::schema::courses::dsl as co;

/// What applying a decision wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The course after it.
    pub course: Course,
    /// The sessions booked, in the order of [`Decision::bookings`].
    pub booked: Vec<Session>,
    /// The existing sessions that changed, after the change.
    pub changed: Vec<Session>,
    /// The booster policy change kept in the history, if any.
    pub policy_change: Option<BoosterPolicyChange>,
}

/// Applies an engine decision taken on a course read at `course.version`
/// with its sessions `read`, in the caller's transaction: sessions that free
/// their chair first (so a re-plan can take them), then the other changes,
/// then the bookings (the database's overlap guards are the final word),
/// the REMS forms that fall due, the booster policy history, and the
/// course's state. Every row changes only if it is still at the version the
/// decision read: a concurrent writer makes it fail with
/// [`ErrorKind::StaleVersion`](crate::ErrorKind::StaleVersion), never lose
/// its change. Events and audit rows are the caller's to write.
pub fn apply(
    conn: &mut DbConnection,
    course: &Course,
    read: &[Session],
    decision: &Decision,
    actor: Actor,
) -> Result<Applied, StoreError> {
    require_transaction(conn)?;
    let clinic_id = course.clinic_id;
    if !decision.chairs_placed().is_empty() {
        crate::turn::hold(conn, clinic_id)?;
    }
    let changed = apply_updates(conn, course, read, decision, actor)?;
    let booked = sessions::insert(
        conn,
        clinic_id,
        course.id,
        course.patient_id,
        &decision.bookings,
    )?;
    let state = decision.course.as_ref();
    let touch = Touch::MoveVersionOn;
    after_bookings(
        conn,
        (course, state),
        decision,
        actor,
        touch,
        (changed, booked),
    )
}

/// Whether applying a decision moves the course's version on.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Touch {
    MoveVersionOn,
    /// A course created in this same transaction: nobody else can have
    /// read it yet, so its version stays where it was written (one
    /// statement fewer for every booking).
    JustCreated,
}

/// The rest of a decision once its sessions are changed and booked: the
/// REMS forms that fall due, a discharge, the booster policy history and
/// the course's `state`, if it is to change.
pub(super) fn after_bookings(
    conn: &mut DbConnection,
    (course, state): (&Course, Option<&CourseState>),
    decision: &Decision,
    actor: Actor,
    touch_course: Touch,
    (changed, booked): (Vec<Session>, Vec<Session>),
) -> Result<Applied, StoreError> {
    let clinic_id = course.clinic_id;
    for form in &decision.rems_forms {
        crate::repo::rems_forms::open(
            conn,
            clinic_id,
            form.session.0,
            course.patient_id,
            form.due_on,
        )?;
    }
    if let Some(discharge) = decision.discharge {
        crate::repo::monitoring::discharge(conn, clinic_id, discharge.session.0, discharge.at)?;
    }
    let policy_change = match &decision.policy_change {
        Some(change) => Some(keep_policy_change(conn, course, change, actor)?),
        None => None,
    };
    let course = match state {
        Some(state) => set_state(conn, course, state)?,
        // Any change to the course's sessions is a change to the course:
        // its version moves on (and a concurrent writer fails, not wins).
        None if touch_course == Touch::MoveVersionOn
            && (!decision.events.is_empty()
                || !decision.updates.is_empty()
                || !decision.bookings.is_empty()) =>
        {
            touch(conn, course)?
        }
        None => course.clone(),
    };
    Ok(Applied {
        course,
        booked,
        changed,
        policy_change,
    })
}

/// The decision's changes to existing sessions, each at the version read:
/// chairs freed before chairs taken, so a re-plan can reuse them.
fn apply_updates(
    conn: &mut DbConnection,
    course: &Course,
    read: &[Session],
    decision: &Decision,
    actor: Actor,
) -> Result<Vec<Session>, StoreError> {
    let mut updates: Vec<_> = decision.updates.iter().collect();
    updates.sort_by_key(|u| match u.status {
        Some((_, to)) if !to.is_live() => 0,
        _ => 1,
    });
    let mut changed = Vec::with_capacity(updates.len());
    for update in updates {
        let version = read
            .iter()
            .find(|s| s.id == update.session.0)
            .map(|s| s.version)
            .ok_or_else(|| {
                StoreError::Internal(format!(
                    "session {} was not read with course {}",
                    update.session.0, course.id
                ))
            })?;
        changed.push(sessions::apply_update(
            conn,
            course.clinic_id,
            update,
            version,
            actor,
        )?);
    }
    Ok(changed)
}

/// Writes the course's state if it is still at the version read.
fn set_state(
    conn: &mut DbConnection,
    course: &Course,
    state: &CourseState,
) -> Result<Course, StoreError> {
    diesel::update(
        co::courses.filter(
            co::clinic_id
                .eq(course.clinic_id)
                .and(co::id.eq(course.id))
                .and(co::version.eq(course.version)),
        ),
    )
    .set((
        super::state_columns(state),
        co::version.eq(co::version + 1),
        co::updated_at.eq(now()),
    ))
    .returning(columns::<Course>())
    .get_result::<Course>(conn)
    .optional()?
    .ok_or_else(|| version_miss(true, "course", course.id))
}

/// Moves the course's version on, if it is still at the version read: a
/// change to its sessions is a change to the course (its ETag, and the
/// order of its events: writers of one course queue on this row).
fn touch(conn: &mut DbConnection, course: &Course) -> Result<Course, StoreError> {
    diesel::update(
        co::courses.filter(
            co::clinic_id
                .eq(course.clinic_id)
                .and(co::id.eq(course.id))
                .and(co::version.eq(course.version)),
        ),
    )
    .set((co::version.eq(co::version + 1), co::updated_at.eq(now())))
    .returning(columns::<Course>())
    .get_result::<Course>(conn)
    .optional()?
    .ok_or_else(|| version_miss(true, "course", course.id))
}

fn keep_policy_change(
    conn: &mut DbConnection,
    course: &Course,
    change: &engine::PolicyChange,
    actor: Actor,
) -> Result<BoosterPolicyChange, StoreError> {
    Ok(diesel::insert_into(b::booster_policy_changes)
        .values((
            b::clinic_id.eq(course.clinic_id),
            b::course_id.eq(course.id),
            b::key_id.eq(actor.key_id),
            b::role.eq(actor.role.as_str()),
            b::old_policy.eq(change.old.as_ref().map(doc)),
            b::new_policy.eq(doc(&change.new)),
            b::reason.eq(&change.reason),
            b::floor_overridden.eq(change.floor_overridden),
            b::changed_at.eq(now()),
        ))
        .returning(columns::<BoosterPolicyChange>())
        .get_result::<BoosterPolicyChange>(conn)?)
}
