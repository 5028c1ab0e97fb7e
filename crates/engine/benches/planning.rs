//! How fast the engine answers the front desk's questions on a busy clinic.
//!
//! The clinic: 12 IV chairs, Mon-Fri 08:00-18:00 in New York, its next eight
//! weeks about 80% booked with 90-minute sessions (placed by a seeded LCG,
//! so every run plans against the same book). From the first Monday
//! (2026-03-02, the week before the spring DST change):
//!
//! - `plan_induction_12_chairs_80pct`: the IV ketamine standard induction
//!   (6 sessions, 2-7 days apart, within 21 days), preferred start 10:00,
//!   first session within 28 days; with the `Planner` built once, and built
//!   per request as the service does (with and without loading the book).
//! - `propose_booster`: the next booster after a session on 2026-03-20.
//! - `availability_one_day`: every free chair start on Wednesday 4 March.
//! - `plan_induction_with_staff`: the same plan when the clinic plans with
//!   staff (eight nurses and two prescribers on weekday shifts, the IV
//!   preset's ratios, every booking's staff load counted), against the same
//!   plan on chairs alone, in one run.
//! - `plan_induction_scaling`: the same plan against books of 1k, 10k and
//!   100k bookings, filled week after week at the same 80% from the same
//!   first Monday (1k covers only three weeks; 10k and 100k hold the same
//!   first eight weeks as above, then ~30 weeks and ~6 years more).
//!
//! Run: `cargo bench -p chairside-engine --bench planning -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chairside_engine::*;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const ZONE: Tz = chrono_tz::America::New_York;
const CHAIRS: usize = 12;
/// Quarter hours from 08:00 to 18:00.
const SLOTS_PER_DAY: usize = 40;
/// A booking holds its chair for 90 minutes.
const BOOKING_SLOTS: usize = 6;
const BOOKED_SHARE: f64 = 0.8;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn first_monday() -> NaiveDate {
    date(2026, 3, 2)
}

fn clinic() -> ClinicCalendar {
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let hours = WeeklyHours::uniform(&weekdays, time(8, 0), time(18, 0));
    let chairs = (1..=CHAIRS as i64)
        .map(|id| Chair {
            id: ChairId(id),
            modalities: vec![Modality::Iv],
            active: true,
        })
        .collect();
    ClinicCalendar::new(ZONE, hours, chairs)
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): enough
/// to scatter bookings, and the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// One week of bookings, 80% of its chair-hours: each booking goes to a
/// random chair-day, packed against the bookings already there from the
/// morning or from the evening (at random), as a front desk fills a chair;
/// until 80% of the week is taken. (Placing each one at a random free time
/// instead jams the days at ~80% with holes shorter than a session: no
/// induction fits at all.)
fn book_week(week: usize) -> Vec<Booking> {
    let mut rng = Lcg(0x00c4_a125_1de0 ^ (week as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let chair_days = CHAIRS * 5;
    let mut taken = vec![[false; SLOTS_PER_DAY]; chair_days];
    let target = (chair_days * SLOTS_PER_DAY) as f64 * BOOKED_SHARE;
    let (mut used, mut bookings) = (0, Vec::new());
    let monday = first_monday() + Duration::weeks(week as i64);
    for _ in 0..100_000 {
        if used as f64 >= target {
            break;
        }
        let chair_day = rng.below(chair_days);
        let from_morning = rng.below(2) == 0;
        let day = &mut taken[chair_day];
        let fits = |s: &usize| day[*s..*s + BOOKING_SLOTS].iter().all(|t| !t);
        let mut starts = 0..=SLOTS_PER_DAY - BOOKING_SLOTS;
        let slot = if from_morning {
            starts.find(fits)
        } else {
            starts.rev().find(fits)
        };
        let Some(slot) = slot else {
            continue;
        };
        day[slot..slot + BOOKING_SLOTS].fill(true);
        used += BOOKING_SLOTS;
        let local = (monday + Duration::days((chair_day % 5) as i64))
            .and_time(time(8, 0) + Duration::minutes(15 * slot as i64));
        let start = ZONE
            .from_local_datetime(&local)
            .single()
            .unwrap()
            .with_timezone(&Utc);
        bookings.push(Booking {
            chair: ChairId((chair_day / 5) as i64 + 1),
            interval: Interval::new(start, start + Duration::minutes(90)),
        });
    }
    bookings
}

/// Whole weeks booked from the first Monday until `count` bookings.
fn book(count: usize) -> Vec<Booking> {
    let mut bookings = Vec::with_capacity(count);
    for week in 0.. {
        if bookings.len() >= count {
            break;
        }
        bookings.extend(book_week(week));
    }
    bookings.truncate(count);
    bookings
}

fn eight_weeks() -> Vec<Booking> {
    (0..8).flat_map(book_week).collect()
}

fn ten_am() -> PatientPreferences {
    PatientPreferences {
        preferred_start: Some(time(10, 0)),
        ..Default::default()
    }
}

fn induction<'r>(protocol: &'r Protocol, preferences: &'r PatientPreferences) -> PhaseRequest<'r> {
    PhaseRequest {
        protocol,
        phase: 0,
        preferences,
        earliest: first_monday(),
        first_within_days: 28,
        patient_sessions: &[],
        previous_session: None,
    }
}

fn plan_induction(c: &mut Criterion) {
    let calendar = clinic();
    let bookings = eight_weeks();
    let occupancy = Occupancy::from_bookings(bookings.iter().copied());
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let preferences = ten_am();
    let request = induction(&protocol, &preferences);
    let plan = planner.plan_phase(&request).unwrap();
    let booked = bookings.len() * BOOKING_SLOTS;
    println!(
        "book: {} bookings, {:.1}% of 8 weeks' chair-hours; plan: {}",
        bookings.len(),
        100.0 * booked as f64 / (CHAIRS * 5 * 8 * SLOTS_PER_DAY) as f64,
        plan.sessions
            .iter()
            .map(|s| format!("{} {} chair {}", s.local_date, s.local_time, s.chair.0))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let mut group = c.benchmark_group("plan_induction_12_chairs_80pct");
    group.bench_function("planner_built_once", |b| {
        b.iter(|| planner.plan_phase(black_box(&request)).unwrap())
    });
    group.bench_function("with_planner_new", |b| {
        b.iter(|| {
            let planner = Planner::new(black_box(&calendar), black_box(&occupancy)).unwrap();
            planner.plan_phase(&request).unwrap()
        })
    });
    group.bench_function("with_occupancy_and_planner_new", |b| {
        b.iter(|| {
            let occupancy = Occupancy::from_bookings(black_box(&bookings).iter().copied());
            let planner = Planner::new(&calendar, &occupancy).unwrap();
            planner.plan_phase(&request).unwrap()
        })
    });
    // As the store reads them: by start, from its (clinic, start) index.
    let mut rows = bookings.clone();
    rows.sort_by_key(|b| b.interval.start);
    group.bench_function("with_occupancy_from_rows_and_planner_new", |b| {
        b.iter(|| {
            let occupancy = Occupancy::from_bookings(black_box(&rows).iter().copied());
            let planner = Planner::new(&calendar, &occupancy).unwrap();
            planner.plan_phase(&request).unwrap()
        })
    });
    group.finish();
}

fn propose_booster(c: &mut Criterion) {
    let calendar = clinic();
    let occupancy = Occupancy::from_bookings(eight_weeks());
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let policy = protocol.boosters().unwrap().1.default_policy;
    let preferences = ten_am();
    let request = BoosterRequest {
        protocol: &protocol,
        policy: &policy,
        previous_session: date(2026, 3, 20),
        count: 1,
        not_before: date(2026, 3, 21),
        first_sequence: 1,
        preferences: &preferences,
        patient_sessions: &[],
    };
    let booster = planner.propose_boosters(&request).unwrap();
    println!(
        "booster: {} {} chair {}",
        booster[0].local_date, booster[0].local_time, booster[0].chair.0
    );
    c.bench_function("propose_booster", |b| {
        b.iter(|| planner.propose_boosters(black_box(&request)).unwrap())
    });
}

fn availability_one_day(c: &mut Criterion) {
    let calendar = clinic();
    let occupancy = Occupancy::from_bookings(eight_weeks());
    let planner = Planner::new(&calendar, &occupancy).unwrap();
    let protocol = presets::iv_ketamine_standard();
    let request = AvailabilityRequest {
        modality: Modality::Iv,
        chair_time: protocol.chair_time,
        from: date(2026, 3, 4),
        to: date(2026, 3, 4),
        staffing: None,
    };
    let open = planner.availability(&request).unwrap();
    println!(
        "availability: {} open (chair, start) pairs on 2026-03-04",
        open.len()
    );
    c.bench_function("availability_one_day", |b| {
        b.iter(|| planner.availability(black_box(&request)).unwrap())
    });
}

fn plan_induction_scaling(c: &mut Criterion) {
    let calendar = clinic();
    let protocol = presets::iv_ketamine_standard();
    let preferences = ten_am();
    let request = induction(&protocol, &preferences);
    let mut group = c.benchmark_group("plan_induction_scaling");
    for count in [1_000, 10_000, 100_000] {
        let bookings = book(count);
        let occupancy = Occupancy::from_bookings(bookings.iter().copied());
        let planner = Planner::new(&calendar, &occupancy).unwrap();
        let plan = planner.plan_phase(&request).unwrap();
        println!(
            "{count} bookings up to {}; plan {}..{}",
            bookings.last().unwrap().interval.start.date_naive(),
            plan.sessions[0].local_date,
            plan.sessions[5].local_date
        );
        group.bench_with_input(
            BenchmarkId::new("planner_built_once", count),
            &planner,
            |b, planner| b.iter(|| planner.plan_phase(black_box(&request)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("with_occupancy_and_planner_new", count),
            &bookings,
            |b, bookings| {
                b.iter(|| {
                    let occupancy = Occupancy::from_bookings(bookings.iter().copied());
                    let planner = Planner::new(&calendar, &occupancy).unwrap();
                    planner.plan_phase(&request).unwrap()
                })
            },
        );
    }
    group.finish();
}

/// Eight nurses and two prescribers on weekday shifts 08:00-18:00.
fn staffed(mut calendar: ClinicCalendar) -> ClinicCalendar {
    let shifts = calendar.hours.clone();
    calendar.staffing.members = (1..=10)
        .map(|id| StaffMember {
            id: StaffId(id),
            roles: vec![if id <= 8 {
                StaffRole::Nurse
            } else {
                StaffRole::Prescriber
            }],
            shifts: shifts.clone(),
            exceptions: Vec::new(),
        })
        .collect();
    calendar
}

fn plan_induction_with_staff(c: &mut Criterion) {
    let protocol = presets::iv_ketamine_standard();
    let needs = staff::needs::preset_needs(Modality::Iv);
    let bookings = eight_weeks();
    let chairs_only = clinic();
    let with_staff = staffed(clinic());
    let mut occupancy = Occupancy::from_bookings(bookings.iter().copied());
    for b in &bookings {
        occupancy.add_loads(staff::needs::loads(
            b.interval.start,
            &protocol.chair_time,
            &needs,
        ));
    }
    let preferences = ten_am();
    let request = induction(&protocol, &preferences);
    let plan = Planner::new(&with_staff, &occupancy)
        .unwrap()
        .plan_phase(&request)
        .unwrap();
    println!(
        "with staff: {}",
        plan.sessions
            .iter()
            .map(|s| format!("{} {} chair {}", s.local_date, s.local_time, s.chair.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut group = c.benchmark_group("plan_induction_with_staff");
    for (name, calendar) in [("chairs_only", &chairs_only), ("with_staff", &with_staff)] {
        let planner = Planner::new(calendar, &occupancy).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| planner.plan_phase(black_box(&request)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    plan_induction,
    plan_induction_with_staff,
    propose_booster,
    availability_one_day,
    plan_induction_scaling
);
criterion_main!(benches);
