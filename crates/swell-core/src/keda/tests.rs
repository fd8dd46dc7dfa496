//! KEDA's executor rules (keda.md §c.4), one behaviour per test.

use std::time::Duration;

use super::*;
use crate::spec::{ControllerSettings, Fallback, FallbackBehavior, Pause};

fn spec(min: i32, idle: Option<i32>) -> ScalingSpec {
    ScalingSpec {
        min_replicas: min,
        max_replicas: 10,
        idle_replicas: idle,
        polling_interval: Duration::from_secs(30),
        cooldown_period: Duration::from_secs(300),
        initial_cooldown_period: Duration::ZERO,
        fallback: None,
        behavior: None,
        triggers: vec![],
        modifiers: None,
        pause: Pause::default(),
        controller: ControllerSettings::default(),
    }
}

fn at(secs: i64) -> Time {
    Time::from_millis(secs * 1000)
}

const ACTIVE: PollResult = PollResult {
    active: true,
    error: false,
};
const INACTIVE: PollResult = PollResult {
    active: false,
    error: false,
};
const FAILED: PollResult = PollResult {
    active: false,
    error: true,
};

#[test]
fn activation_from_zero_goes_to_one_when_min_is_zero() {
    let mut state = KedaState::new(at(0));
    let request = request_scale(&spec(0, None), &mut state, at(10), 0, ACTIVE);
    assert_eq!(request.set_replicas, Some(1));
    assert_eq!(state.last_active, Some(at(10)));
}

#[test]
fn activation_from_idle_goes_to_min() {
    let mut state = KedaState::new(at(0));
    let request = request_scale(&spec(3, Some(0)), &mut state, at(10), 0, ACTIVE);
    assert_eq!(request.set_replicas, Some(3));
    let request = request_scale(&spec(3, Some(1)), &mut state, at(10), 1, ACTIVE);
    assert_eq!(request.set_replicas, Some(3));
}

#[test]
fn active_polls_above_zero_only_refresh_last_active() {
    let mut state = KedaState::new(at(0));
    let request = request_scale(&spec(0, None), &mut state, at(40), 4, ACTIVE);
    assert_eq!(
        request,
        ScaleRequest {
            set_replicas: None,
            step: KedaStep::Hold,
            activity: Activity::Active
        }
    );
    assert_eq!(state.last_active, Some(at(40)));
}

#[test]
fn partial_errors_do_not_refresh_last_active() {
    let mut state = KedaState::new(at(0));
    state.last_active = Some(at(5));
    request_scale(
        &spec(0, None),
        &mut state,
        at(40),
        4,
        PollResult {
            active: true,
            error: true,
        },
    );
    assert_eq!(state.last_active, Some(at(5)));
}

#[test]
fn scale_to_zero_waits_strictly_past_the_cooldown() {
    let mut state = KedaState::new(at(0));
    state.last_active = Some(at(100));
    let request = request_scale(&spec(0, None), &mut state, at(400), 2, INACTIVE);
    assert_eq!(request.activity, Activity::Cooldown);
    assert_eq!(
        request.step,
        KedaStep::CoolingDown {
            remaining: Duration::ZERO
        }
    );
    let request = request_scale(&spec(0, None), &mut state, at(401), 2, INACTIVE);
    assert_eq!(request.set_replicas, Some(0));
}

#[test]
fn never_active_objects_use_only_the_initial_cooldown() {
    let mut s = spec(0, None);
    s.initial_cooldown_period = Duration::from_secs(60);
    let mut state = KedaState::new(at(0));
    assert_eq!(
        request_scale(&s, &mut state, at(60), 1, INACTIVE).set_replicas,
        None
    );
    assert_eq!(
        request_scale(&s, &mut state, at(61), 1, INACTIVE).set_replicas,
        Some(0)
    );
}

#[test]
fn idle_mode_scales_to_the_idle_count_after_cooldown() {
    let mut state = KedaState::new(at(0));
    state.last_active = Some(at(0));
    let request = request_scale(&spec(2, Some(1)), &mut state, at(301), 5, INACTIVE);
    assert_eq!(request.set_replicas, Some(1));
}

#[test]
fn errors_never_scale_in_without_fallback() {
    let mut state = KedaState::new(at(0));
    let request = request_scale(&spec(0, None), &mut state, at(1000), 3, FAILED);
    assert_eq!(request.step, KedaStep::HeldOnError);
    assert_eq!(request.set_replicas, None);
}

#[test]
fn errors_with_a_nonzero_fallback_leave_it_to_the_hpa() {
    let mut s = spec(0, None);
    s.fallback = Some(Fallback {
        failure_threshold: 3,
        replicas: 2,
        behavior: FallbackBehavior::Static,
    });
    let mut state = KedaState::new(at(0));
    assert_eq!(
        request_scale(&s, &mut state, at(1000), 3, FAILED).set_replicas,
        None
    );
}

#[test]
fn errors_with_a_zero_fallback_may_scale_to_zero() {
    let mut s = spec(0, None);
    s.fallback = Some(Fallback {
        failure_threshold: 3,
        replicas: 0,
        behavior: FallbackBehavior::Static,
    });
    let mut state = KedaState::new(at(0));
    assert_eq!(
        request_scale(&s, &mut state, at(1000), 3, FAILED).set_replicas,
        Some(0)
    );
}

#[test]
fn inactive_below_min_is_raised_to_min() {
    let mut state = KedaState::new(at(0));
    let request = request_scale(&spec(2, None), &mut state, at(10), 1, INACTIVE);
    assert_eq!(request.set_replicas, Some(2));
}

#[test]
fn paused_scale_out_blocks_activation_and_paused_scale_in_blocks_deactivation() {
    let mut s = spec(0, None);
    s.pause.paused_scale_out = true;
    s.pause.paused_scale_in = true;
    let mut state = KedaState::new(at(0));
    assert_eq!(
        request_scale(&s, &mut state, at(10), 0, ACTIVE).step,
        KedaStep::ActivationPaused
    );
    assert_eq!(
        request_scale(&s, &mut state, at(1000), 3, INACTIVE).step,
        KedaStep::DeactivationPaused
    );
}
