//! autoscaling/v2 `behavior` → the engine's [`Behavior`]: the API server's defaulting (HPA
//! notes §6.1) and its validation (what would make KEDA's HPA creation fail).

use std::time::Duration;

use swell_core::spec::{Behavior, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy};

use crate::autoscaling::{HpaBehavior, HpaScalingRules};
use crate::problem::Problem;

/// Longest stabilization window the API server accepts (one hour).
pub const MAX_STABILIZATION_WINDOW_SECONDS: i32 = 3600;
/// Longest policy period the API server accepts (30 minutes).
pub const MAX_PERIOD_SECONDS: i32 = 1800;

/// Defaults and validates `behavior` written at `field`. `None` in, `None` out: without a
/// behavior the HPA takes its legacy path.
pub fn translate_behavior(
    behavior: Option<&HpaBehavior>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<Behavior> {
    let behavior = behavior?;
    let scale_up = rules(
        behavior.scale_up.as_ref(),
        ScalingRules::default_scale_up(),
        &format!("{field}.scaleUp"),
        problems,
    );
    let scale_down = rules(
        behavior.scale_down.as_ref(),
        ScalingRules::default_scale_down(),
        &format!("{field}.scaleDown"),
        problems,
    );
    Some(Behavior {
        scale_up,
        scale_down,
    })
}

/// One direction: every field the user left out comes from `defaults`; policies are replaced as
/// a whole list, never merged.
fn rules(
    written: Option<&HpaScalingRules>,
    defaults: ScalingRules,
    field: &str,
    problems: &mut Vec<Problem>,
) -> ScalingRules {
    let Some(written) = written else {
        return defaults;
    };

    let stabilization_window = match written.stabilization_window_seconds {
        None => defaults.stabilization_window,
        Some(seconds) if (0..=MAX_STABILIZATION_WINDOW_SECONDS).contains(&seconds) => {
            Some(Duration::from_secs(seconds as u64))
        }
        Some(seconds) => {
            problems.push(Problem::error(
                "behavior-invalid",
                format!("{field}.stabilizationWindowSeconds"),
                format!(
                    "must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS} seconds, got \
                     {seconds}; the HPA API rejects it and KEDA cannot create the HPA"
                ),
            ));
            defaults.stabilization_window
        }
    };

    let select_policy = match written.select_policy.as_deref() {
        None => defaults.select_policy,
        Some("Max") => SelectPolicy::Max,
        Some("Min") => SelectPolicy::Min,
        Some("Disabled") => SelectPolicy::Disabled,
        Some(other) => {
            problems.push(Problem::error(
                "behavior-invalid",
                format!("{field}.selectPolicy"),
                format!("must be `Max`, `Min` or `Disabled`, got `{other}`"),
            ));
            defaults.select_policy
        }
    };

    let policies = match written.policies.as_deref() {
        None | Some([]) => defaults.policies,
        Some(written_policies) => {
            let mut policies = Vec::new();
            for (i, policy) in written_policies.iter().enumerate() {
                let at = format!("{field}.policies[{i}]");
                let kind = match policy.policy_type.as_str() {
                    "Pods" => Some(PolicyKind::Pods),
                    "Percent" => Some(PolicyKind::Percent),
                    other => {
                        problems.push(Problem::error(
                            "behavior-invalid",
                            format!("{at}.type"),
                            format!("must be `Pods` or `Percent`, got `{other}`"),
                        ));
                        None
                    }
                };
                if policy.value <= 0 {
                    problems.push(Problem::error(
                        "behavior-invalid",
                        format!("{at}.value"),
                        format!("must be greater than 0, got {}", policy.value),
                    ));
                }
                if !(1..=MAX_PERIOD_SECONDS).contains(&policy.period_seconds) {
                    problems.push(Problem::error(
                        "behavior-invalid",
                        format!("{at}.periodSeconds"),
                        format!(
                            "must be between 1 and {MAX_PERIOD_SECONDS} seconds, got {}",
                            policy.period_seconds
                        ),
                    ));
                }
                if let Some(kind) = kind {
                    policies.push(ScalingPolicy {
                        kind,
                        value: policy.value,
                        period: Duration::from_secs(policy.period_seconds.max(0) as u64),
                    });
                }
            }
            policies
        }
    };

    let tolerance = match &written.tolerance {
        None => None,
        Some(quantity) => match quantity.to_f64() {
            Some(t) if t >= 0.0 => Some(t),
            _ => {
                problems.push(Problem::error(
                    "behavior-invalid",
                    format!("{field}.tolerance"),
                    format!(
                        "must be a quantity greater than or equal to 0 such as \"0.05\", got \
                         `{quantity}`"
                    ),
                ));
                None
            }
        },
    };

    ScalingRules {
        stabilization_window,
        select_policy,
        policies,
        tolerance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscaling::HpaScalingPolicy;

    fn translate(behavior: &HpaBehavior) -> (Option<Behavior>, Vec<Problem>) {
        let mut problems = Vec::new();
        let out = translate_behavior(Some(behavior), "behavior", &mut problems);
        (out, problems)
    }

    #[test]
    fn absent_behavior_selects_the_legacy_path() {
        let mut problems = Vec::new();
        assert_eq!(translate_behavior(None, "behavior", &mut problems), None);
        assert!(problems.is_empty());
    }

    #[test]
    fn empty_behavior_gets_the_api_defaults() {
        let (out, problems) = translate(&HpaBehavior::default());
        assert!(problems.is_empty());
        assert_eq!(out, Some(Behavior::default()));
    }

    #[test]
    fn defaults_fill_field_by_field_and_policies_replace_as_a_whole() {
        let behavior = HpaBehavior {
            scale_up: Some(HpaScalingRules {
                policies: Some(vec![HpaScalingPolicy {
                    policy_type: "Pods".into(),
                    value: 1,
                    period_seconds: 60,
                }]),
                ..Default::default()
            }),
            scale_down: Some(HpaScalingRules {
                stabilization_window_seconds: Some(600),
                tolerance: Some("0.05".into()),
                ..Default::default()
            }),
        };
        let (out, problems) = translate(&behavior);
        assert!(problems.is_empty(), "{problems:?}");
        let out = out.unwrap();
        assert_eq!(out.scale_up.policies.len(), 1);
        assert_eq!(out.scale_up.stabilization_window, Some(Duration::ZERO));
        assert_eq!(out.scale_up.select_policy, SelectPolicy::Max);
        assert_eq!(
            out.scale_down.stabilization_window,
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            out.scale_down.policies,
            ScalingRules::default_scale_down().policies
        );
        assert_eq!(out.scale_down.tolerance, Some(0.05));
    }

    #[test]
    fn api_validation_rejects_out_of_range_values() {
        let cases: Vec<(HpaScalingRules, &str)> = vec![
            (
                HpaScalingRules {
                    stabilization_window_seconds: Some(3601),
                    ..Default::default()
                },
                "behavior.scaleDown.stabilizationWindowSeconds",
            ),
            (
                HpaScalingRules {
                    stabilization_window_seconds: Some(-1),
                    ..Default::default()
                },
                "behavior.scaleDown.stabilizationWindowSeconds",
            ),
            (
                HpaScalingRules {
                    select_policy: Some("max".into()),
                    ..Default::default()
                },
                "behavior.scaleDown.selectPolicy",
            ),
            (
                HpaScalingRules {
                    policies: Some(vec![HpaScalingPolicy {
                        policy_type: "Percent".into(),
                        value: 0,
                        period_seconds: 15,
                    }]),
                    ..Default::default()
                },
                "behavior.scaleDown.policies[0].value",
            ),
            (
                HpaScalingRules {
                    policies: Some(vec![HpaScalingPolicy {
                        policy_type: "Percent".into(),
                        value: 10,
                        period_seconds: 1801,
                    }]),
                    ..Default::default()
                },
                "behavior.scaleDown.policies[0].periodSeconds",
            ),
            (
                HpaScalingRules {
                    policies: Some(vec![HpaScalingPolicy {
                        policy_type: "Replicas".into(),
                        value: 10,
                        period_seconds: 15,
                    }]),
                    ..Default::default()
                },
                "behavior.scaleDown.policies[0].type",
            ),
            (
                HpaScalingRules {
                    tolerance: Some("-0.1".into()),
                    ..Default::default()
                },
                "behavior.scaleDown.tolerance",
            ),
        ];
        for (rules, field) in cases {
            let behavior = HpaBehavior {
                scale_down: Some(rules),
                ..Default::default()
            };
            let (_, problems) = translate(&behavior);
            assert_eq!(problems.len(), 1, "{field}: {problems:?}");
            assert_eq!(problems[0].field, field);
            assert_eq!(problems[0].code, "behavior-invalid");
        }
    }

    #[test]
    fn window_boundaries_are_accepted() {
        for seconds in [0, 3600] {
            let behavior = HpaBehavior {
                scale_down: Some(HpaScalingRules {
                    stabilization_window_seconds: Some(seconds),
                    ..Default::default()
                }),
                ..Default::default()
            };
            assert!(translate(&behavior).1.is_empty(), "{seconds}");
        }
    }
}
