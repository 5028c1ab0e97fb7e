//! Corrections the model found giving a session back a place it no longer
//! had: each is now judged as the dose would be today (an active course,
//! the current series, a dose still owed, the calendar's rules), and
//! undoing an omitted dose's change takes back the omission.

use chairside_engine::course::*;
use chairside_engine::*;

use super::super::generation::{Act, Setup, Step, When};
use super::super::replay;
use super::{broken, clinician, desk, nth, plain, refusal, undo};

#[test]
fn regression_a_correction_undone_by_the_replan_announces_changes() {
    // Fri 23 Oct 10:05: the desk cancels Mon 26 Oct (a replacement, #107,
    // is booked at the end); a clinician omits that dose (5 doses now: the
    // replacement is cancelled as not needed). Undoing the replacement's
    // cancellation would book a dose the series no longer owes, which the
    // re-plan cancelled again at once — an empty decision that announced a
    // correction and a cancellation. It is refused: nothing to undo.
    let sut = replay(
        plain(false, false),
        vec![
            Step::GoTo { n: 0, minutes: 5 },
            desk(Act::Cancel {
                pick: nth(0),
                remaining: false,
            }),
            clinician(Act::Omit { pick: nth(1) }),
            undo(1),
        ],
    );
    let refused = refusal(sut.last());
    assert_eq!(refused.rule, CourseRule::NothingToUndo, "{refused:?}");
    assert!(refused
        .detail
        .contains("the series already has its doses booked"));
}

#[test]
fn regression_a_correction_revives_a_booking_of_an_ended_phase() {
    // Five doses given (Fri 23 Oct … Mon 2 Nov), Wed 4 Nov booked. Mon 2
    // Nov 11:00: the desk cancels Wed 4 Nov (a replacement R is booked for
    // Thu 5 Nov); a clinician undoes the cancellation (4 Nov booked again,
    // R cancelled as not needed). 4 Nov is given: the induction ends with
    // 6 of 6 and boosters start. Undoing R's cancellation used to book R
    // again in the ended induction (and giving it made 7 of 6). Only a
    // dose of the current series comes back: refused, the phase ended.
    let setup = Setup {
        given: 5,
        ..plain(false, false)
    };
    let sut = replay(
        setup,
        vec![
            desk(Act::Cancel {
                pick: nth(0),
                remaining: false,
            }),
            undo(1),
            Step::Give { n: 0 },
            undo(1),
            Step::Give { n: 0 },
        ],
    );
    assert_eq!(refusal(sut.last_of("Correct")).rule, CourseRule::PhaseEnded);
    let completed = sut
        .world
        .course
        .sessions
        .iter()
        .filter(|s| s.phase == 0 && s.status == SessionStatus::Completed);
    assert_eq!(completed.count(), 6);
}

#[test]
fn regression_a_correction_books_a_second_session_on_a_day() {
    // Booked Fri 23 Oct, Mon 26, Wed 28, Fri 30 Oct, Mon 2 Nov, Wed 4 Nov;
    // the first two given. Mon 26 Oct 11:00: a clinician pauses (the four
    // bookings are cancelled) and resumes from Thu 5 Nov: 10 days after
    // the last dose, the course goes at risk with nothing booked. A
    // clinician adds a session on Mon 2 Nov 12:00, then undoes the pause's
    // cancellation of Mon 2 Nov 10:00. It used to be accepted (the chair
    // was free and the two did not overlap): two live sessions on a day. A
    // booking given back its place is judged as one made by hand: refused,
    // one session a day.
    let setup = Setup {
        given: 2,
        ..plain(false, false)
    };
    let sut = replay(
        setup,
        vec![
            clinician(Act::Pause),
            clinician(Act::Resume { from: Some(10) }),
            clinician(Act::AddSession {
                when: When {
                    from_session: false,
                    days: 7,
                    hour: 12,
                    quarter: 0,
                    chair: None,
                },
                override_rule: false,
            }),
            undo(4),
        ],
    );
    assert!(sut.last_of("AddSession").is_ok());
    let rules = broken(sut.last());
    assert!(
        !rules.is_empty() && rules.iter().all(|r| *r == Rule::OnePerDay),
        "{rules:?}"
    );
}

#[test]
fn regression_undoing_an_omit_books_an_uncounted_dose() {
    // Booked Fri 23 Oct … Wed 4 Nov. A clinician omits Wed 28 Oct (booked:
    // cancelled and omitted; the series holds 5) and then undoes that
    // session's last change. It used to be booked again but stay omitted,
    // a live booking the count ignored. Undoing the change takes back the
    // omission: the dose counts again and, its place still free, is
    // booked where it was.
    let sut = replay(
        plain(false, false),
        vec![clinician(Act::Omit { pick: nth(2) }), undo(0)],
    );
    let decision = sut.last().as_ref().expect("accepted");
    let id = decision.updates[0].session;
    assert_eq!(
        decision.events,
        [CourseEvent::SessionCorrected {
            session: id,
            from: SessionStatus::Cancelled,
            to: SessionStatus::Booked,
        }]
    );
    let session = sut.world.course.session(id).expect("kept");
    assert_eq!(
        (session.status, session.omitted),
        (SessionStatus::Booked, false)
    );
    let rules = sut.world.course.current_series().expect("the induction");
    let count = SeriesCount::of(&sut.world.course, 0, rules);
    assert_eq!((count.target, count.planned), (6, 6));
}

#[test]
fn regression_a_correction_books_a_session_of_a_ceased_course() {
    // Booked Fri 23 Oct … Wed 4 Nov. A clinician ends the course (all six
    // bookings cancelled), then undoes the cancellation of Fri 23 Oct. It
    // used to be accepted: the ceased course held a booking (and its
    // chair) that could no longer be checked in. A course over holds no
    // booking: refused, the course is not active.
    let sut = replay(plain(false, false), vec![clinician(Act::Cease), undo(0)]);
    assert_eq!(refusal(sut.last()).rule, CourseRule::CourseActive);
}

#[test]
fn regression_a_correction_breaks_the_start_cap() {
    // Two chairs, at most one start per 15-minute slot. Fri 23 Oct 10:00
    // (chair 1) is cancelled by the desk, and another patient then books
    // chair 2 from Fri 23 Oct 10:00. Undoing the cancellation used to be
    // accepted (the chair and the patient were free): two starts at 10:00
    // in a clinic that allows one. Refused: the slot is at its cap.
    let setup = Setup {
        chairs: 2,
        start_cap: true,
        ..plain(false, false)
    };
    let sut = replay(
        setup,
        vec![
            desk(Act::Cancel {
                pick: nth(0),
                remaining: false,
            }),
            Step::OtherBooks {
                freed: Some((0, false)),
                at: (1, 0, 8, 0),
            },
            undo(0),
        ],
    );
    assert_eq!(broken(sut.last()), [Rule::StartsPerSlot]);
}
