//! The engine's clock: a point in time passed in by the caller, never read from the system.
//!
//! [`Time`] counts milliseconds from an arbitrary epoch chosen by the caller (the Unix epoch in
//! the operator, the timeline's zero in `swell decide`). Integer milliseconds keep the boundary
//! comparisons that KEDA and the HPA make ("strictly after the window start") exact.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time, in whole milliseconds since the caller's epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(i64);

impl Time {
    /// The epoch itself.
    pub const ZERO: Time = Time(0);

    /// A time `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Time(ms)
    }

    /// A time `secs` seconds after the epoch, rounded to the nearest millisecond.
    pub fn from_secs_f64(secs: f64) -> Self {
        Time((secs * 1000.0).round() as i64)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The time elapsed from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: Time) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Add<Duration> for Time {
    type Output = Time;

    fn add(self, d: Duration) -> Time {
        Time(self.0.saturating_add(millis(d)))
    }
}

impl Sub<Duration> for Time {
    type Output = Time;

    fn sub(self, d: Duration) -> Time {
        Time(self.0.saturating_sub(millis(d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_the_nearest_millisecond() {
        assert_eq!(Time::from_secs_f64(1.2345).as_millis(), 1235);
        assert_eq!(Time::from_secs_f64(-0.5).as_millis(), -500);
    }

    #[test]
    fn arithmetic_saturates_instead_of_overflowing() {
        let late = Time::from_millis(i64::MAX - 1);
        assert_eq!((late + Duration::from_secs(10)).as_millis(), i64::MAX);
        assert_eq!(Time::ZERO.since(late), Duration::ZERO);
        assert_eq!(
            late.since(Time::ZERO),
            Duration::from_millis((i64::MAX - 1) as u64)
        );
    }
}
