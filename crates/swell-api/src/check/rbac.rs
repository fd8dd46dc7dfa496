//! Wildcard RBAC on `keda.sh`: guides often grant the KServe controller every verb on every
//! KEDA resource. The warning prints the narrow rules it actually needs (KServe's own
//! `kserve-manager-role`: ScaledObjects, their finalizers and status; no TriggerAuthentication
//! or Secret access, since KServe only names the TriggerAuthentication and KEDA reads it).
//!
//! `apiGroups: ["*"]` includes `keda.sh`, so a rule on every group counts when it names a
//! `keda.sh` resource or `*`. When a flagged rule also reaches the core group's Secrets with a
//! read verb, it reads every Secret in its scope, and the warning says so.

use crate::k8s::{PolicyRule, Role};
use crate::problem::Problem;

/// The least-privilege `keda.sh` rules for a controller that creates ScaledObjects, as one line.
pub const LEAST_PRIVILEGE_RULES: &str = "`- {apiGroups: [keda.sh], resources: [scaledobjects, \
     scaledobjects/finalizers], verbs: [create, delete, get, list, patch, update, watch]}` and \
     `- {apiGroups: [keda.sh], resources: [scaledobjects/status], verbs: [get, patch, update]}`";

/// The resources of `keda.sh` (subresources are `<resource>/<name>`).
const KEDA_RESOURCES: &[&str] = &[
    "scaledobjects",
    "scaledjobs",
    "triggerauthentications",
    "clustertriggerauthentications",
];

/// Verbs that return a Secret's data: `list` and `watch` return whole objects, as `get` does.
const READ_VERBS: &[&str] = &["get", "list", "watch", "*"];

/// A warning per rule that grants `*` resources or `*` verbs on `keda.sh`, directly or through
/// `apiGroups: ["*"]`.
pub fn check(role: &Role) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, rule) in role.rules.iter().flatten().enumerate() {
        let grant = Grant::of(rule);
        if !grant.is_wildcard_on_keda() {
            continue;
        }
        let (secrets, no_secrets) = if grant.reads_every_secret() {
            let scope = if role.kind == "Role" {
                "its namespace"
            } else {
                "the cluster when bound with a ClusterRoleBinding"
            };
            (
                format!(", so it can read every Secret in {scope}"),
                ", and no access to Secrets (KEDA reads them; KServe only names the \
                 TriggerAuthentication)",
            )
        } else {
            (String::new(), "")
        };
        problems.push(Problem::warning(
            "wildcard-rbac",
            format!("rules[{index}]"),
            format!(
                "grants {} in {}{secrets}; a controller that creates ScaledObjects (KServe with \
                 autoscalerClass keda) needs only {LEAST_PRIVILEGE_RULES}{no_secrets}",
                grant.what(),
                grant.groups(),
            ),
        ));
    }
    problems
}

/// The parts of one rule the lint looks at.
struct Grant<'a> {
    groups: &'a [String],
    /// `apiGroups` names `keda.sh`.
    keda: bool,
    /// `apiGroups` holds `*`.
    every_group: bool,
    /// `apiGroups` holds `""`, the core group (Secrets, ConfigMaps, Pods).
    core: bool,
    resources: &'a [String],
    verbs: &'a [String],
    /// `resourceNames` restricts the rule to some objects.
    named_objects: bool,
}

impl<'a> Grant<'a> {
    fn of(rule: &'a PolicyRule) -> Self {
        let groups = rule.api_groups.as_deref().unwrap_or_default();
        Grant {
            groups,
            keda: groups.iter().any(|g| g == "keda.sh"),
            every_group: groups.iter().any(|g| g == "*"),
            core: groups.iter().any(String::is_empty),
            resources: rule.resources.as_deref().unwrap_or_default(),
            verbs: &rule.verbs,
            named_objects: rule.resource_names.as_ref().is_some_and(|n| !n.is_empty()),
        }
    }

    fn every_resource(&self) -> bool {
        self.resources.iter().any(|r| r == "*")
    }

    fn every_verb(&self) -> bool {
        self.verbs.iter().any(|v| v == "*")
    }

    /// `*` resources or `*` verbs on `keda.sh`. Through `apiGroups: ["*"]` only when the rule
    /// names a `keda.sh` resource (`*/status` names them all): `*` groups on `pods` is another
    /// lint's business.
    fn is_wildcard_on_keda(&self) -> bool {
        let reaches_keda = self.keda
            || (self.every_group
                && self.resources.iter().any(|r| {
                    let resource = r.split('/').next().unwrap_or_default();
                    resource == "*" || KEDA_RESOURCES.contains(&resource)
                }));
        // A rule without verbs grants nothing (and the API server refuses it).
        reaches_keda && !self.verbs.is_empty() && (self.every_resource() || self.every_verb())
    }

    /// A read verb on every Secret: the core group (or `*`) with `secrets` (or `*`), on every
    /// object.
    fn reads_every_secret(&self) -> bool {
        (self.every_group || self.core)
            && (self.every_resource() || self.resources.iter().any(|r| r == "secrets"))
            && !self.named_objects
            && self.verbs.iter().any(|v| READ_VERBS.contains(&v.as_str()))
    }

    /// "every verb on every resource", "`get`, `list` on every resource", "every verb on
    /// `scaledobjects`".
    fn what(&self) -> String {
        let verbs = if self.every_verb() {
            "every verb".to_string()
        } else {
            quoted(self.verbs)
        };
        let resources = if self.every_resource() {
            "every resource".to_string()
        } else {
            quoted(self.resources)
        };
        format!("{verbs} on {resources}")
    }

    /// "`keda.sh`", "the core group, `keda.sh`", "every API group, `keda.sh` included".
    fn groups(&self) -> String {
        if self.every_group {
            return "every API group, `keda.sh` included".to_string();
        }
        self.groups
            .iter()
            .map(|g| {
                if g.is_empty() {
                    "the core group".to_string()
                } else {
                    format!("`{g}`")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_texts, codes, has};
    use crate::problem::Severity;

    fn role(kind: &str, groups: &str, resources: &str, verbs: &str) -> String {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: r\n\
             rules:\n- apiGroups: {groups}\n  resources: {resources}\n  verbs: {verbs}\n"
        )
    }

    fn message(kind: &str, groups: &str, resources: &str, verbs: &str) -> String {
        let findings = check_texts(&[("r.yaml", &role(kind, groups, resources, verbs))]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        findings[0].message.clone()
    }

    #[test]
    fn wildcards_that_reach_keda_are_flagged_and_narrow_rules_are_not() {
        let narrow = "[create, delete, get, list, patch, update, watch]";
        // (apiGroups, resources, verbs, flagged)
        let cases = [
            ("[keda.sh]", "['*']", "['*']", true),
            ("[keda.sh]", "[scaledobjects]", "['*']", true),
            ("[keda.sh]", "['*']", "[get, list, watch]", true),
            ("['*']", "['*']", "['*']", true),
            // `*` groups include keda.sh, reached through its resource names.
            (
                "['*']",
                "[scaledobjects, triggerauthentications]",
                "['*']",
                true,
            ),
            ("['*']", "[scaledobjects/status]", "['*']", true),
            ("['*']", "['*/status']", "['*']", true),
            // Every resource of every group, read only: every Secret too.
            ("['*']", "['*']", "[get, list, watch]", true),
            (
                "[keda.sh]",
                "[scaledobjects, scaledobjects/finalizers]",
                narrow,
                false,
            ),
            ("['*']", "[scaledobjects]", "[get, list, watch]", false),
            ("[apps]", "['*']", "['*']", false),
            ("['*']", "[pods]", "[get]", false),
            ("['*']", "[pods, services]", "['*']", false),
            ("[keda.sh]", "['*']", "[]", false),
        ];
        for (groups, resources, verbs, flagged) in cases {
            let text = role("ClusterRole", groups, resources, verbs);
            let found = has(&text, Severity::Warning, "wildcard-rbac", "rules[0]");
            assert_eq!(
                found,
                flagged,
                "{groups} {resources} {verbs}: {:?}",
                codes(&text)
            );
        }
    }

    #[test]
    fn the_message_says_what_the_rule_grants_and_whether_it_reads_secrets() {
        let every_group = "in every API group, `keda.sh` included";
        let every_secret = "so it can read every Secret in the cluster when bound with a \
                            ClusterRoleBinding;";
        // (kind, apiGroups, resources, verbs, wanted in the message)
        let cases = [
            (
                "ClusterRole",
                "[keda.sh]",
                "['*']",
                "['*']",
                "grants every verb on every resource in `keda.sh`; ".to_string(),
            ),
            (
                "ClusterRole",
                "[keda.sh]",
                "['*']",
                "[get, list, watch]",
                "grants `get`, `list`, `watch` on every resource in `keda.sh`; ".to_string(),
            ),
            (
                "ClusterRole",
                "['*']",
                "[scaledobjects, triggerauthentications]",
                "['*']",
                format!(
                    "grants every verb on `scaledobjects`, `triggerauthentications` \
                     {every_group}; "
                ),
            ),
            (
                "ClusterRole",
                "['*']",
                "['*']",
                "[get, list, watch]",
                format!(
                    "grants `get`, `list`, `watch` on every resource {every_group}, \
                     {every_secret}"
                ),
            ),
            (
                "Role",
                "['*']",
                "['*']",
                "['*']",
                "so it can read every Secret in its namespace; ".to_string(),
            ),
            (
                "ClusterRole",
                "['', keda.sh]",
                "['*']",
                "[get]",
                format!("on every resource in the core group, `keda.sh`, {every_secret}"),
            ),
            (
                "ClusterRole",
                "['*']",
                "['*']",
                "['*']",
                ", and no access to Secrets (KEDA reads them".to_string(),
            ),
        ];
        for (kind, groups, resources, verbs, wanted) in cases {
            let message = message(kind, groups, resources, verbs);
            assert!(message.contains(&wanted), "want {wanted:?} in {message:?}");
        }
    }

    #[test]
    fn rules_that_cannot_read_secrets_do_not_mention_them() {
        let cases = [
            ("[keda.sh]", "['*']", "['*']"),
            ("['*']", "['*']", "[create, delete]"),
            ("[keda.sh]", "[scaledobjects, secrets]", "['*']"),
        ];
        for (groups, resources, verbs) in cases {
            let message = message("ClusterRole", groups, resources, verbs);
            assert!(!message.contains("Secret"), "{message}");
        }
    }

    #[test]
    fn the_message_prints_the_least_privilege_rules() {
        let message = message("ClusterRole", "[keda.sh]", "['*']", "['*']");
        assert!(message.contains("scaledobjects/status"), "{message}");
    }
}
