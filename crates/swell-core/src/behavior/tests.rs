//! Rules of `behavior`, one test each, from hpa.md §6.

use std::time::Duration;

use super::*;
use crate::spec::ScalingPolicy;

fn at(secs: i64) -> Time {
    Time::from_millis(secs * 1000)
}

fn pods(value: i32, period: u64) -> ScalingPolicy {
    ScalingPolicy {
        kind: PolicyKind::Pods,
        value,
        period: Duration::from_secs(period),
    }
}

fn percent(value: i32, period: u64) -> ScalingPolicy {
    ScalingPolicy {
        kind: PolicyKind::Percent,
        value,
        period: Duration::from_secs(period),
    }
}

fn rules(window: u64, select: SelectPolicy, policies: Vec<ScalingPolicy>) -> ScalingRules {
    ScalingRules {
        stabilization_window: Some(Duration::from_secs(window)),
        select_policy: select,
        policies,
        tolerance: None,
    }
}

struct Case {
    behavior: Behavior,
    history: History,
}

impl Case {
    fn new(behavior: Behavior) -> Self {
        Case {
            behavior,
            history: History::default(),
        }
    }

    fn seed(mut self, t: i64, replicas: i32) -> Self {
        self.history.seed(at(t), replicas);
        self
    }

    fn run(&mut self, t: i64, current: i32, desired: i32, min: i32, max: i32) -> (i32, Limit) {
        let args = Normalization {
            behavior: &self.behavior,
            default_down_window: Duration::from_secs(300),
            now: at(t),
            current,
            desired,
            min,
            max,
        };
        let (replicas, _, limit) = normalize(&mut self.history, args);
        if replicas != current {
            record_scale(&mut self.history, &self.behavior, at(t), current, replicas);
        }
        (replicas, limit)
    }
}

#[test]
fn default_scale_up_allows_the_larger_of_four_pods_and_double() {
    for (current, expected) in [(1, 5), (2, 6), (3, 7), (4, 8), (10, 20)] {
        let mut case = Case::new(Behavior::default()).seed(0, current);
        let (replicas, limit) = case.run(0, current, 1000, 1, 1000);
        assert_eq!(
            (replicas, limit),
            (expected, Limit::ScaleUpLimit),
            "from {current}"
        );
    }
}

#[test]
fn max_replicas_wins_when_it_is_the_tighter_bound() {
    let mut case = Case::new(Behavior::default()).seed(0, 10);
    assert_eq!(case.run(0, 10, 1000, 1, 12), (12, Limit::TooManyReplicas));
}

#[test]
fn percent_rounds_up_when_scaling_up() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Max, vec![percent(1, 60)]),
        scale_down: ScalingRules::default_scale_down(),
    };
    let mut case = Case::new(behavior).seed(0, 3);
    assert_eq!(case.run(0, 3, 10, 1, 100), (4, Limit::ScaleUpLimit));
}

#[test]
fn max_select_policy_on_scale_down_takes_the_smallest_limit() {
    let behavior = Behavior {
        scale_up: ScalingRules::default_scale_up(),
        scale_down: rules(0, SelectPolicy::Max, vec![pods(20, 60), percent(1, 60)]),
    };
    let mut case = Case::new(behavior).seed(0, 100);
    assert_eq!(case.run(0, 100, 1, 1, 100), (80, Limit::ScaleDownLimit));
}

#[test]
fn min_select_policy_takes_the_least_change() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Min, vec![pods(4, 15), percent(100, 15)]),
        scale_down: ScalingRules::default_scale_down(),
    };
    let mut case = Case::new(behavior).seed(0, 10);
    assert_eq!(case.run(0, 10, 100, 1, 100), (14, Limit::ScaleUpLimit));
}

#[test]
fn disabled_direction_never_moves() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Disabled, vec![pods(4, 15)]),
        scale_down: rules(0, SelectPolicy::Disabled, vec![pods(4, 15)]),
    };
    let mut case = Case::new(behavior).seed(0, 5);
    assert_eq!(case.run(0, 5, 50, 1, 100).0, 5);
    assert_eq!(case.run(15, 5, 1, 1, 100).0, 5);
}

#[test]
fn budget_is_shared_across_syncs_inside_a_period() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Max, vec![pods(2, 60)]),
        scale_down: ScalingRules::default_scale_down(),
    };
    let mut case = Case::new(behavior).seed(0, 1);
    assert_eq!(case.run(0, 1, 10, 1, 100).0, 3);
    // 15 s later the 2 pods added at t=0 still count against the 60 s budget.
    assert_eq!(case.run(15, 3, 10, 1, 100).0, 3);
    // Once the event leaves the period (strictly after now-60), the budget is back.
    assert_eq!(case.run(60, 3, 10, 1, 100).0, 5);
}

#[test]
fn scaling_in_the_other_direction_frees_budget() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Max, vec![pods(2, 60)]),
        scale_down: rules(0, SelectPolicy::Max, vec![pods(10, 60)]),
    };
    let mut case = Case::new(behavior).seed(0, 5);
    assert_eq!(case.run(0, 5, 2, 1, 100).0, 2);
    // Period start is 2 - 0 + 3 = 5, so up to 7 is allowed.
    assert_eq!(case.run(10, 2, 20, 1, 100).0, 7);
}

#[test]
fn scale_down_window_holds_the_highest_recent_recommendation() {
    let behavior = Behavior {
        scale_up: ScalingRules::default_scale_up(),
        scale_down: rules(60, SelectPolicy::Max, vec![percent(100, 15)]),
    };
    let mut case = Case::new(behavior).seed(0, 6);
    assert_eq!(case.run(10, 6, 2, 1, 10).0, 6);
    assert_eq!(case.run(40, 6, 3, 1, 10).0, 6);
    // At t=60 the seed (t=0) is exactly on the cutoff and no longer counts; t=10 and t=40 do.
    assert_eq!(case.run(60, 6, 2, 1, 10).0, 3);
    assert_eq!(case.run(101, 3, 2, 1, 10).0, 2);
}

#[test]
fn scale_up_window_takes_the_lowest_recent_recommendation() {
    let behavior = Behavior {
        scale_up: rules(30, SelectPolicy::Max, vec![pods(100, 15)]),
        scale_down: ScalingRules::default_scale_down(),
    };
    let mut case = Case::new(behavior).seed(0, 2);
    // The seed (2) is inside the up window: no scale-up yet.
    assert_eq!(case.run(10, 2, 8, 1, 20).0, 2);
    assert_eq!(case.run(20, 2, 9, 1, 20).0, 2);
    // At t=31 the seed is out of the window; the lowest recent recommendation is 8.
    assert_eq!(case.run(31, 2, 12, 1, 20).0, 8);
}

#[test]
fn missing_scale_down_window_uses_the_controller_flag() {
    let behavior = Behavior {
        scale_up: ScalingRules::default_scale_up(),
        scale_down: ScalingRules {
            stabilization_window: None,
            ..ScalingRules::default_scale_down()
        },
    };
    let mut case = Case::new(behavior).seed(0, 4);
    assert_eq!(case.run(299, 4, 1, 1, 10).0, 4);
    assert_eq!(case.run(301, 4, 1, 1, 10).0, 1);
}

#[test]
fn no_policies_means_no_change_in_that_direction() {
    let behavior = Behavior {
        scale_up: rules(0, SelectPolicy::Max, vec![]),
        scale_down: rules(0, SelectPolicy::Max, vec![]),
    };
    let mut case = Case::new(behavior).seed(0, 3);
    assert_eq!(case.run(0, 3, 9, 1, 10).0, 3);
    assert_eq!(case.run(0, 3, 1, 1, 10).0, 3);
}

#[test]
fn percent_over_one_hundred_on_scale_down_reaches_min() {
    let behavior = Behavior {
        scale_up: ScalingRules::default_scale_up(),
        scale_down: rules(0, SelectPolicy::Max, vec![percent(200, 15)]),
    };
    let mut case = Case::new(behavior).seed(0, 10);
    assert_eq!(case.run(0, 10, 0, 2, 10), (2, Limit::TooFewReplicas));
}
