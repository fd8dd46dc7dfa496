//! The annotations KEDA reads on a ScaledObject (`keda.md` a.4), and how their values parse.
//!
//! KEDA parses booleans with Go's `strconv.ParseBool`, and the `paused` annotation counts any
//! value that is not a boolean as `true`; both quirks are reproduced here.

use std::collections::BTreeMap;

use swell_core::spec::Pause;
use thiserror::Error;

/// Full pause: the HPA is deleted and replicas freeze.
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// Full pause at a given replica count; wins over [`PAUSED`].
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// Never scale in (the HPA's scale-down policy becomes `Disabled`).
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// Never scale out (the HPA's scale-up policy becomes `Disabled`).
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// Treat the object as active whatever the triggers say.
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";
/// Allow adopting an existing HPA named in `horizontalPodAutoscalerConfig.name`.
pub const TRANSFER_HPA_OWNERSHIP: &str = "scaledobject.keda.sh/transfer-hpa-ownership";
/// On an HPA: `"false"` excludes it from KEDA's ownership conflict check.
pub const VALIDATIONS_HPA_OWNERSHIP: &str = "validations.keda.sh/hpa-ownership";
/// Comma-separated ScaledObject labels not copied to the HPA.
pub const HPA_EXCLUDED_LABELS: &str = "scaledobject.keda.sh/hpa-excluded-labels";
/// Label KEDA puts on the ScaledObject and uses as the HPA metric selector.
pub const SCALED_OBJECT_NAME_LABEL: &str = "scaledobject.keda.sh/name";

/// Go's `strconv.ParseBool`: `1 t T TRUE true True` and `0 f F FALSE false False`.
pub fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A pause annotation KEDA cannot read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("annotation `{annotation}` must be a whole number of replicas, got `{value}`; {hint}")]
pub struct AnnotationError {
    /// The annotation key.
    pub annotation: &'static str,
    /// The value found.
    pub value: String,
    /// What to write instead.
    pub hint: String,
}

/// What to write instead of a `paused-replicas` value that is not a number. A boolean means
/// "pause where you are", which is `paused`; suggesting `"0"` would take the service down.
fn paused_replicas_hint(value: &str) -> String {
    if parse_go_bool(value.trim()).is_some() {
        format!(
            "to freeze the current replica count write `{PAUSED}: \"true\"` instead; \
             `{PAUSED_REPLICAS}` pins the count, e.g. `\"2\"`"
        )
    } else {
        format!("write the count to hold while paused, e.g. `{PAUSED_REPLICAS}: \"2\"`")
    }
}

/// Reads the pause and activation annotations the way KEDA does.
pub fn pause_from_annotations(
    annotations: &BTreeMap<String, String>,
) -> Result<Pause, AnnotationError> {
    let flag = |key: &str| {
        annotations
            .get(key)
            .and_then(|v| parse_go_bool(v))
            .unwrap_or(false)
    };

    let paused_replicas = match annotations.get(PAUSED_REPLICAS) {
        None => None,
        Some(value) => Some(value.trim().parse::<i32>().map_err(|_| AnnotationError {
            annotation: PAUSED_REPLICAS,
            value: value.clone(),
            hint: paused_replicas_hint(value),
        })?),
    };
    // KEDA quirk: any value of `paused` that is not a Go boolean pauses.
    let paused = annotations
        .get(PAUSED)
        .is_some_and(|v| parse_go_bool(v).unwrap_or(true));

    Ok(Pause {
        paused,
        paused_replicas,
        paused_scale_in: flag(PAUSED_SCALE_IN),
        paused_scale_out: flag(PAUSED_SCALE_OUT),
        force_activation: flag(FORCE_ACTIVATION),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn go_parse_bool_accepts_exactly_go_spellings() {
        for yes in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_go_bool(yes), Some(true), "{yes}");
        }
        for no in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_go_bool(no), Some(false), "{no}");
        }
        for neither in ["yes", "on", "tRUE", " true", ""] {
            assert_eq!(parse_go_bool(neither), None, "{neither}");
        }
    }

    #[test]
    fn a_boolean_paused_replicas_points_at_paused_not_at_zero() {
        let err = pause_from_annotations(&annotations(&[(PAUSED_REPLICAS, "true")])).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("`autoscaling.keda.sh/paused: \"true\"`"),
            "{message}"
        );
        assert!(!message.contains("\"0\""), "{message}");

        let err = pause_from_annotations(&annotations(&[(PAUSED_REPLICAS, "two")])).unwrap_err();
        assert!(err.to_string().contains("paused-replicas: \"2\""), "{err}");
    }

    #[test]
    fn paused_counts_non_boolean_values_as_true() {
        let cases = [
            ("true", true),
            ("false", false),
            ("0", false),
            ("yes", true),
            ("", true),
        ];
        for (value, want) in cases {
            let pause = pause_from_annotations(&annotations(&[(PAUSED, value)])).unwrap();
            assert_eq!(pause.paused, want, "paused: {value:?}");
        }
    }

    #[test]
    fn scale_in_and_out_flags_need_a_true_boolean() {
        let pause = pause_from_annotations(&annotations(&[
            (PAUSED_SCALE_IN, "yes"),
            (PAUSED_SCALE_OUT, "T"),
            (FORCE_ACTIVATION, "1"),
        ]))
        .unwrap();
        assert!(!pause.paused_scale_in);
        assert!(pause.paused_scale_out);
        assert!(pause.force_activation);
    }

    #[test]
    fn paused_replicas_must_be_an_integer() {
        let ok = pause_from_annotations(&annotations(&[(PAUSED_REPLICAS, "3")])).unwrap();
        assert_eq!(ok.paused_replicas, Some(3));
        let err = pause_from_annotations(&annotations(&[(PAUSED_REPLICAS, "three")]));
        assert!(err.is_err());
    }
}
