//! Why an evaluation ended where it did, cheap to build and rendered only when asked.

use std::fmt;

use crate::hpa::HpaReason;
use crate::keda::KedaStep;
use crate::spec::Pause;

/// Which pause annotations are in effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PauseState {
    /// `autoscaling.keda.sh/paused-replicas` is set.
    pub replicas: bool,
    /// `autoscaling.keda.sh/paused` is set.
    pub full: bool,
    /// `autoscaling.keda.sh/paused-scale-in` is set.
    pub scale_in: bool,
    /// `autoscaling.keda.sh/paused-scale-out` is set.
    pub scale_out: bool,
}

impl PauseState {
    /// The pause state of a spec.
    pub fn of(pause: &Pause) -> Self {
        PauseState {
            replicas: pause.paused_replicas.is_some(),
            full: pause.paused,
            scale_in: pause.paused_scale_in,
            scale_out: pause.paused_scale_out,
        }
    }
}

/// The reason for a [`super::Decision`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Fully paused: nothing evaluated.
    Paused {
        /// Which annotations.
        pause: PauseState,
        /// The replica count held.
        replicas: i32,
    },
    /// KEDA's step, then the HPA's sync.
    Scaled {
        /// Partial pauses in effect.
        pause: PauseState,
        /// What KEDA did.
        keda: KedaStep,
        /// What the HPA did.
        hpa: HpaReason,
    },
}

impl Reason {
    pub(super) fn paused(pause: PauseState, replicas: i32) -> Self {
        Reason::Paused { pause, replicas }
    }

    pub(super) fn scaled(pause: PauseState, keda: KedaStep, hpa: HpaReason) -> Self {
        Reason::Scaled { pause, keda, hpa }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Paused { pause, replicas } => {
                if pause.replicas {
                    write!(
                        f,
                        "paused at {replicas} replicas (paused-replicas annotation)"
                    )
                } else {
                    write!(f, "paused at {replicas} replicas (paused annotation)")
                }
            }
            Reason::Scaled { pause, keda, hpa } => {
                if *keda != KedaStep::Hold {
                    write!(f, "KEDA: {keda}; ")?;
                }
                write!(f, "HPA: {hpa}")?;
                if pause.scale_in {
                    f.write_str(" [paused-scale-in]")?;
                }
                if pause.scale_out {
                    f.write_str(" [paused-scale-out]")?;
                }
                Ok(())
            }
        }
    }
}
