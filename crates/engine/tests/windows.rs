//! What a picture of a course draws from the rules: where each dose of a
//! series may fall, and the score that still counts as a response.

use chairside_engine::suggestion::{Instrument, Thresholds};
use chairside_engine::{dose_windows, SeriesRules};

use crate::support::wall_clock::date;

fn induction() -> SeriesRules {
    SeriesRules {
        sessions: 6,
        min_days_between: 2,
        max_days_between: 7,
        max_span_days: 21,
        max_per_week: None,
    }
}

#[test]
fn each_dose_has_its_window_after_the_one_before_and_the_series_its_span() {
    let dates = [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 13)];
    let windows = dose_windows(&induction(), &dates);
    // Two gaps, the next dose still owed, and the span.
    assert_eq!(windows.len(), 4, "{windows:?}");
    assert_eq!(
        (windows[0].from, windows[0].to),
        (date(2026, 3, 4), date(2026, 3, 9))
    );
    assert_eq!(windows[0].kept, Some(true));
    assert_eq!(
        windows[1].kept,
        Some(false),
        "nine days after the second: past the seven"
    );
    assert_eq!((windows[2].dose, windows[2].kept), (4, None));
    assert_eq!(
        windows[2].to,
        date(2026, 3, 20),
        "never past the span from the first dose"
    );
    assert_eq!((windows[3].dose, windows[3].to), (0, date(2026, 3, 23)));
    assert!(dose_windows(&induction(), &[]).is_empty());
}

#[test]
fn a_response_is_half_the_baseline_or_the_points_the_instrument_counts() {
    let phq9 = Thresholds::common(Instrument::Phq9);
    assert_eq!(phq9.response_at_most(20), Some(10));
    assert_eq!(phq9.response_at_most(21), Some(10));
    let pcl5 = Thresholds::common(Instrument::Pcl5);
    assert_eq!(pcl5.response_at_most(50), Some(40));
    assert_eq!(
        pcl5.response_at_most(5),
        Some(0),
        "100 % below a baseline of 5"
    );
}
