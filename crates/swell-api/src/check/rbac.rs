//! Wildcard RBAC on `keda.sh`: guides often grant the KServe controller every verb on every
//! KEDA resource. The warning prints the narrow rules it actually needs (KServe's own
//! `kserve-manager-role`: ScaledObjects, their finalizers and status; no TriggerAuthentication
//! access, since KServe only names them).

use crate::k8s::Role;
use crate::problem::Problem;

/// The least-privilege `keda.sh` rules for a controller that creates ScaledObjects, as one line.
pub const LEAST_PRIVILEGE_RULES: &str = "`- {apiGroups: [keda.sh], resources: [scaledobjects, \
     scaledobjects/finalizers], verbs: [create, delete, get, list, patch, update, watch]}` and \
     `- {apiGroups: [keda.sh], resources: [scaledobjects/status], verbs: [get, patch, update]}`";

/// A warning per rule that grants `*` resources or `*` verbs on `keda.sh` (or on every group).
pub fn check(role: &Role) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, rule) in role.rules.iter().flatten().enumerate() {
        let groups = rule.api_groups.as_deref().unwrap_or_default();
        let resources = rule.resources.as_deref().unwrap_or_default();
        let keda = groups.iter().any(|g| g == "keda.sh");
        let every_group = groups.iter().any(|g| g == "*");
        let every_resource = resources.iter().any(|r| r == "*");
        let every_verb = rule.verbs.iter().any(|v| v == "*");
        let wildcard = (keda && (every_resource || every_verb))
            || (every_group && every_resource && every_verb);
        if !wildcard {
            continue;
        }
        let what = match (every_resource, every_verb) {
            (true, true) => "every verb on every resource",
            (true, false) => "every resource",
            _ => "every verb",
        };
        problems.push(Problem::warning(
            "wildcard-rbac",
            format!("rules[{index}]"),
            format!(
                "grants {what} in {}; a controller that creates ScaledObjects (KServe with \
                 autoscalerClass keda) needs only {LEAST_PRIVILEGE_RULES}",
                if keda {
                    "`keda.sh`"
                } else {
                    "every API group, `keda.sh` included"
                }
            ),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{codes, has};
    use crate::problem::Severity;

    fn role(rule: &str) -> String {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n\
             rules:\n{rule}"
        )
    }

    #[test]
    fn wildcards_on_keda_are_flagged_and_narrow_rules_are_not() {
        let flagged = [
            "- apiGroups: [keda.sh]\n  resources: ['*']\n  verbs: ['*']\n",
            "- apiGroups: [keda.sh]\n  resources: [scaledobjects]\n  verbs: ['*']\n",
            "- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
        ];
        for rule in flagged {
            assert!(
                has(&role(rule), Severity::Warning, "wildcard-rbac", "rules[0]"),
                "{rule}"
            );
        }
        let quiet = [
            "- apiGroups: [keda.sh]\n  resources: [scaledobjects, scaledobjects/finalizers]\n  \
             verbs: [create, delete, get, list, patch, update, watch]\n",
            "- apiGroups: [apps]\n  resources: ['*']\n  verbs: ['*']\n",
            "- apiGroups: ['*']\n  resources: [pods]\n  verbs: [get]\n",
        ];
        for rule in quiet {
            assert_eq!(codes(&role(rule)), vec![], "{rule}");
        }
    }

    #[test]
    fn the_message_prints_the_least_privilege_rules() {
        let text = role("- apiGroups: [keda.sh]\n  resources: ['*']\n  verbs: ['*']\n");
        let findings = crate::check::testing::check_texts(&[("r.yaml", &text)]);
        assert!(
            findings[0].message.contains("scaledobjects/status"),
            "{}",
            findings[0].message
        );
    }
}
