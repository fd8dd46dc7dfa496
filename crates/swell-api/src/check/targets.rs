//! KEDA's admission rules that look at the scale target and its other autoscalers (`keda.md`
//! a.5, 3-5): one ScaledObject per workload, one ScaledObject per HPA name, no HPA of someone
//! else on the same workload, and resource requests on every container for cpu/memory
//! triggers. They run only on what the inputs hold; InferenceServices count with the
//! ScaledObject (autoscalerClass `keda`) or HPA (class `hpa`) KServe creates for them.

use crate::check::{Inputs, same_namespace};
use crate::k8s::{Hpa, Workload};
use crate::keda::ScaledObject;
use crate::keda::annotations::{TRANSFER_HPA_OWNERSHIP, VALIDATIONS_HPA_OWNERSHIP};
use crate::kserve::InferenceService;
use crate::load::{Document, Object};
use crate::problem::Problem;
use crate::translate::hpa_name;

/// A workload as KEDA identifies it: API group, kind and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetKey {
    /// API group (`apps` by default).
    pub group: String,
    /// Kind (`Deployment` by default).
    pub kind: String,
    /// Name.
    pub name: String,
}

impl TargetKey {
    /// From a `scaleTargetRef`-like triple, with KEDA's defaults.
    pub fn new(api_version: Option<&str>, kind: Option<&str>, name: &str) -> Self {
        let api_version = api_version.filter(|v| !v.is_empty()).unwrap_or("apps/v1");
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        TargetKey {
            group: group.to_string(),
            kind: kind
                .filter(|k| !k.is_empty())
                .unwrap_or("Deployment")
                .to_string(),
            name: name.to_string(),
        }
    }

    fn describe(&self) -> String {
        format!("{} `{}`", self.kind, self.name)
    }
}

/// An autoscaler of a workload found in the inputs.
struct Scaler<'a> {
    document: &'a Document,
    namespace: Option<&'a str>,
    target: TargetKey,
    /// The HPA it creates (ScaledObjects) or is (HPAs).
    hpa_name: String,
    /// How to name it in messages.
    label: String,
}

/// The ScaledObjects the inputs hold or imply (KServe's, for `keda` InferenceServices).
fn scaled_objects<'a>(inputs: &Inputs<'a>) -> Vec<Scaler<'a>> {
    let mut found = Vec::new();
    for document in &inputs.documents {
        match &document.object {
            Some(Object::ScaledObject(so)) => found.push(Scaler {
                document,
                namespace: document.namespace.as_deref(),
                target: key_of(so),
                hpa_name: hpa_name(so),
                label: format!("ScaledObject `{}` ({})", document.name, place(document)),
            }),
            Some(Object::InferenceService(isvc)) if creates(isvc, "keda") => {
                let name = isvc.predictor_name();
                found.push(Scaler {
                    document,
                    namespace: document.namespace.as_deref(),
                    target: TargetKey::new(None, None, &name),
                    hpa_name: format!("keda-hpa-{name}"),
                    label: format!(
                        "the ScaledObject KServe creates for InferenceService `{}` ({})",
                        document.name,
                        place(document)
                    ),
                });
            }
            _ => {}
        }
    }
    found
}

/// Whether KServe reconciles an autoscaler of `class` for this InferenceService.
pub fn creates(isvc: &InferenceService, class: &str) -> bool {
    isvc.deployment_mode() == Some("Standard")
        && !isvc.is_stopped()
        && isvc.autoscaler_class() == class
}

fn key_of(so: &ScaledObject) -> TargetKey {
    let target = &so.spec.scale_target_ref;
    TargetKey::new(
        target.api_version.as_deref(),
        target.kind.as_deref(),
        &target.name,
    )
}

fn place(document: &Document) -> String {
    format!("{} document {}", document.file, document.index)
}

/// The rules for the ScaledObject in `document` (written or KServe's): conflicts with the
/// autoscalers earlier in the inputs, foreign HPAs, and resource requests.
pub fn check(so: &ScaledObject, document: &Document, inputs: &Inputs<'_>) -> Vec<Problem> {
    let mut problems = check_conflicts(document, inputs);
    problems.extend(check_resource_requests(so, document, inputs));
    problems
}

/// Conflicts of the ScaledObject `document` holds or implies with other autoscalers.
pub fn check_conflicts(document: &Document, inputs: &Inputs<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let scalers = scaled_objects(inputs);
    let Some(me_at) = scalers
        .iter()
        .position(|s| std::ptr::eq(s.document, document))
    else {
        return problems;
    };
    let me = &scalers[me_at];
    let so = match &document.object {
        Some(Object::ScaledObject(so)) => Some(&**so),
        _ => None,
    };
    let target_field = if so.is_some() {
        "spec.scaleTargetRef.name"
    } else {
        "metadata.name"
    };

    // KEDA rejects the newcomer; here the later one in the inputs is reported, once per rule
    // (naming the first earlier ScaledObject it clashes with).
    let mut reported = (false, false);
    for earlier in &scalers[..me_at] {
        if !same_namespace(earlier.namespace, me.namespace) {
            continue;
        }
        if earlier.target == me.target && !reported.0 {
            reported.0 = true;
            problems.push(Problem::error(
                "target-already-scaled",
                target_field,
                format!(
                    "{} is already scaled by {}; KEDA allows one ScaledObject per workload. \
                     Merge the triggers into one ScaledObject",
                    me.target.describe(),
                    earlier.label
                ),
            ));
        } else if earlier.hpa_name == me.hpa_name && !reported.1 {
            reported.1 = true;
            problems.push(Problem::error(
                "hpa-name-conflict",
                "spec.advanced.horizontalPodAutoscalerConfig.name",
                format!(
                    "the HPA `{}` is already managed by {}; give each ScaledObject its own HPA \
                     name",
                    me.hpa_name, earlier.label
                ),
            ));
        }
    }

    for (hpa_document, hpa, label) in hpas(inputs) {
        let hpa_key = TargetKey::new(
            hpa.spec.scale_target_ref.api_version.as_deref(),
            Some(&hpa.spec.scale_target_ref.kind),
            &hpa.spec.scale_target_ref.name,
        );
        if hpa_key != me.target || !same_namespace(hpa_document.namespace.as_deref(), me.namespace)
        {
            continue;
        }
        if let Some(so) = so
            && (owned_by(&hpa, &document.name) || adopts(so, &hpa_document.name))
        {
            continue;
        }
        let ownership_off = hpa
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(VALIDATIONS_HPA_OWNERSHIP))
            .is_some_and(|v| v == "false");
        if ownership_off {
            continue;
        }
        problems.push(Problem::error(
            "hpa-conflict",
            target_field,
            format!(
                "{} is already scaled by {label}; two autoscalers would fight over its replicas. \
                 Delete that HPA{}",
                me.target.describe(),
                if so.is_some() {
                    format!(
                        ", or adopt it: set `advanced.horizontalPodAutoscalerConfig.name: {}` \
                         and the annotation `{TRANSFER_HPA_OWNERSHIP}: \"true\"`",
                        hpa_document.name
                    )
                } else {
                    String::new()
                }
            ),
        ));
    }
    problems
}

/// The HPAs in the inputs, plus those KServe creates for `hpa`-class InferenceServices.
fn hpas<'a>(inputs: &Inputs<'a>) -> Vec<(&'a Document, Hpa, String)> {
    let mut found = Vec::new();
    for document in &inputs.documents {
        match &document.object {
            Some(Object::Hpa(hpa)) => found.push((
                *document,
                (**hpa).clone(),
                format!(
                    "HorizontalPodAutoscaler `{}` ({})",
                    document.name,
                    place(document)
                ),
            )),
            Some(Object::InferenceService(isvc)) if creates(isvc, "hpa") => {
                let mut hpa = Hpa::default();
                hpa.spec.scale_target_ref.kind = "Deployment".to_string();
                hpa.spec.scale_target_ref.name = isvc.predictor_name();
                let label = format!(
                    "the HPA KServe creates for InferenceService `{}` (autoscalerClass `hpa`, the \
                     default; set `serving.kserve.io/autoscalerClass: external` to hand scaling \
                     over)",
                    document.name
                );
                found.push((*document, hpa, label));
            }
            _ => {}
        }
    }
    found
}

fn owned_by(hpa: &Hpa, scaled_object: &str) -> bool {
    hpa.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.kind == "ScaledObject" && o.name == scaled_object)
}

/// KEDA adopts an existing HPA when asked to by annotation and name.
fn adopts(so: &ScaledObject, hpa: &str) -> bool {
    let transfer = so
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(TRANSFER_HPA_OWNERSHIP))
        .is_some_and(|v| v == "true");
    transfer && hpa_name(so) == hpa
}

/// cpu/memory triggers need every container (or `metadata.containerName`) of the target to
/// request (or limit) that resource; KEDA checks Deployments and StatefulSets.
fn check_resource_requests(
    so: &ScaledObject,
    document: &Document,
    inputs: &Inputs<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let target = key_of(so);
    if target.group != "apps" || !matches!(target.kind.as_str(), "Deployment" | "StatefulSet") {
        return problems;
    }
    let workload = inputs
        .objects(|o| match o {
            Object::Workload(w) => Some(&**w),
            _ => None,
        })
        .into_iter()
        .find(|(d, w): &(&Document, &Workload)| {
            d.name == target.name
                && w.kind == target.kind
                && same_namespace(d.namespace.as_deref(), document.namespace.as_deref())
        });
    let Some((_, workload)) = workload else {
        return problems;
    };
    for (index, trigger) in so.spec.triggers.iter().enumerate() {
        if !trigger.is_resource() {
            continue;
        }
        let resource = trigger.trigger_type.as_str();
        let only = trigger
            .metadata
            .get("containerName")
            .map(|n| n.trim())
            .filter(|n| !n.is_empty());
        for container in &workload.spec.template.spec.containers {
            if only.is_some_and(|n| n != container.name) || container.has_resource(resource) {
                continue;
            }
            problems.push(Problem::error(
                "missing-resource-request",
                format!("spec.triggers[{index}]"),
                format!(
                    "the {resource} trigger needs a {resource} request, but container `{}` of \
                     {} has none; add `resources.requests.{resource}` to it (or a LimitRange \
                     default in the namespace)",
                    container.name,
                    target.describe()
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_texts, codes, has};
    use crate::problem::Severity;

    fn so(name: &str, target: &str, trigger: &str) -> String {
        format!(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: {name}\nspec:\n  \
             scaleTargetRef:\n    name: {target}\n  minReplicaCount: 1\n  triggers:\n{trigger}"
        )
    }

    const PROM: &str = "  - type: prometheus\n    metadata:\n      serverAddress: http://p:9090\n      \
                        query: sum(x)\n      threshold: \"4\"\n";
    const CPU: &str =
        "  - type: cpu\n    metricType: Utilization\n    metadata:\n      value: \"60\"\n";

    fn deployment(resources: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    \
             spec:\n      containers:\n      - name: app\n        image: nginx\n{resources}"
        )
    }

    #[test]
    fn two_scaled_objects_on_one_target_conflict() {
        let text = format!("{}---\n{}", so("a", "web", PROM), so("b", "web", PROM));
        let findings = check_texts(&[("t.yaml", &text)]);
        let conflicts: Vec<_> = findings
            .iter()
            .filter(|f| f.code == "target-already-scaled")
            .collect();
        assert_eq!(conflicts.len(), 1, "{findings:?}");
        assert_eq!(
            (conflicts[0].name.as_str(), conflicts[0].document),
            ("b", 2)
        );
        // Different targets are fine.
        let ok = format!("{}---\n{}", so("a", "web", PROM), so("b", "api", PROM));
        assert_eq!(codes(&ok), vec![]);
    }

    #[test]
    fn a_foreign_hpa_conflicts_unless_owned_or_adopted() {
        let hpa = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  \
                   name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    \
                   name: web\n  maxReplicas: 3\n";
        let text = format!("{}{hpa}", so("a", "web", PROM));
        assert!(has(
            &text,
            Severity::Error,
            "hpa-conflict",
            "spec.scaleTargetRef.name"
        ));
        let owned = text.replace(
            "  name: web\nspec:\n  scaleTargetRef:\n    apiVersion",
            "  name: web\n  ownerReferences:\n  - {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, name: a, uid: u}\nspec:\n  scaleTargetRef:\n    apiVersion",
        );
        assert!(
            !codes(&owned).iter().any(|(_, c, _)| *c == "hpa-conflict"),
            "{:?}",
            codes(&owned)
        );
    }

    #[test]
    fn cpu_triggers_need_requests_on_the_target() {
        let without = format!("{}---\n{}", so("a", "web", CPU), deployment(""));
        assert!(has(
            &without,
            Severity::Error,
            "missing-resource-request",
            "spec.triggers[0]"
        ));
        let with = format!(
            "{}---\n{}",
            so("a", "web", CPU),
            deployment("        resources:\n          requests:\n            cpu: 500m\n")
        );
        assert_eq!(codes(&with), vec![]);
    }
}
