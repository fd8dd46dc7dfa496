//! What the HPA controller remembers about one HPA between syncs: past raw recommendations
//! (for stabilization windows) and past scale events (for rate-limit policies).
//!
//! The controller keeps these in memory only, so they start empty when an HPA is created or
//! the controller restarts. Old entries are overwritten in place rather than removed, exactly
//! as upstream does; the replica results depend only on which entries fall inside a window,
//! but keeping the same slot reuse keeps memory bounded the same way.

use std::time::Duration;

use crate::time::Time;

/// One raw recommendation: the metric proposal before stabilization and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recommendation {
    /// When it was made.
    pub time: Time,
    /// The proposed replica count.
    pub replicas: i32,
}

/// One successful rescale in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleEvent {
    /// When the rescale happened.
    pub time: Time,
    /// How many replicas were added or removed (always positive).
    pub change: i32,
    /// Older than the longest policy period: the slot may be reused.
    pub outdated: bool,
}

/// The per-HPA memory of the controller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Raw recommendations; `None` until the first sync seeds it.
    pub recommendations: Option<Vec<Recommendation>>,
    /// Scale-up events.
    pub scale_up: Vec<ScaleEvent>,
    /// Scale-down events.
    pub scale_down: Vec<ScaleEvent>,
}

impl History {
    /// Seeds the recommendations with the current count on the first sync, so that a new HPA
    /// (or a restarted controller) cannot scale down until a full window has passed.
    pub fn seed(&mut self, now: Time, current: i32) {
        if self.recommendations.is_none() {
            self.recommendations = Some(vec![Recommendation {
                time: now,
                replicas: current,
            }]);
        }
    }

    /// The stored recommendations (empty before seeding).
    pub fn recommendations(&self) -> &[Recommendation] {
        self.recommendations.as_deref().unwrap_or(&[])
    }

    /// Stores a recommendation in the given reusable slot, or appends it.
    pub fn record(&mut self, slot: Option<usize>, recommendation: Recommendation) {
        let list = self.recommendations.get_or_insert_with(Vec::new);
        match slot {
            Some(index) => list[index] = recommendation,
            None => list.push(recommendation),
        }
    }

    /// Records a successful rescale from `from` to `to`, marking events older than
    /// `longest_period` of that direction as reusable first.
    pub fn record_scale(&mut self, now: Time, from: i32, to: i32, longest_period: Duration) {
        if from == to {
            return;
        }
        let (events, change) = if to > from {
            (&mut self.scale_up, to - from)
        } else {
            (&mut self.scale_down, from - to)
        };
        let cutoff = now - longest_period;
        for event in events.iter_mut() {
            if event.time < cutoff {
                event.outdated = true;
            }
        }
        let event = ScaleEvent {
            time: now,
            change,
            outdated: false,
        };
        match events.iter_mut().find(|e| e.outdated) {
            Some(slot) => *slot = event,
            None => events.push(event),
        }
    }

    /// Replicas changed by `events` strictly after `now - period`.
    pub fn change_within(events: &[ScaleEvent], now: Time, period: Duration) -> i64 {
        let cutoff = now - period;
        events
            .iter()
            .filter(|e| e.time > cutoff)
            .map(|e| i64::from(e.change))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Time {
        Time::from_millis(secs * 1000)
    }

    #[test]
    fn seeding_happens_once() {
        let mut history = History::default();
        history.seed(at(0), 3);
        history.seed(at(10), 7);
        assert_eq!(
            history.recommendations(),
            &[Recommendation {
                time: at(0),
                replicas: 3
            }]
        );
    }

    #[test]
    fn scale_events_reuse_outdated_slots() {
        let mut history = History::default();
        history.record_scale(at(0), 1, 3, Duration::from_secs(15));
        history.record_scale(at(10), 3, 4, Duration::from_secs(15));
        history.record_scale(at(30), 4, 6, Duration::from_secs(15));
        // The first event (t=0) is older than 15 s at t=30 and its slot is reused; the second
        // (t=10) is outdated too but stays.
        assert_eq!(history.scale_up.len(), 2);
        assert_eq!(
            history.scale_up[0],
            ScaleEvent {
                time: at(30),
                change: 2,
                outdated: false
            }
        );
        assert!(history.scale_up[1].outdated);
    }

    #[test]
    fn changes_count_strictly_inside_the_period() {
        let mut history = History::default();
        history.record_scale(at(0), 1, 3, Duration::from_secs(60));
        history.record_scale(at(15), 3, 4, Duration::from_secs(60));
        // At t=15 with a 15 s period, the event at t=0 sits exactly on the cutoff: not counted.
        assert_eq!(
            History::change_within(&history.scale_up, at(15), Duration::from_secs(15)),
            1
        );
        assert_eq!(
            History::change_within(&history.scale_up, at(15), Duration::from_secs(16)),
            3
        );
    }
}
