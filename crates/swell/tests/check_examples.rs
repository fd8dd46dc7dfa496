//! `swell check` end to end: the built binary on the shipped examples (clean, exit 0), on every
//! broken fixture in `tests/fixtures/broken/` (each reports the code it is named after, with
//! the expected exit code), on usage errors (exit 2) and on inputs that must not crash it.
//! Text and JSON outputs are snapshots (`insta`), so wording changes are reviewed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Fixtures whose code is a warning: the file is valid, so `swell check` exits 0.
const WARNING_FIXTURES: &[&str] = &[
    "deployment-mode-unset",
    "empty-trigger-authentication",
    "fallback-hidden-by-null-values",
    "fallback-ignored",
    "inference-service-stopped",
    "max-replicas-unset",
    "missing-config-map",
    "missing-secret",
    "missing-trigger-authentication",
    "not-a-manifest",
    "placeholder",
    "query-multiple-series",
    "query-syntax",
    "scale-to-zero-without-gateway",
    "setting-has-no-effect",
    "trigger-metadata-warning",
    "unsupported-auth-source",
    "unsupported-kind",
    "unsupported-trigger",
    "wildcard-rbac",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `swell` from the workspace root, so paths in the output are stable.
fn swell(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swell"))
        .current_dir(workspace())
        .args(args)
        .output()
        .expect("swell runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally (no signal)")
}

fn json_findings(args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = swell(&all);
    let parsed: Value = serde_json::from_str(&stdout(&output)).expect("JSON output");
    (code(&output), parsed.as_array().expect("an array").clone())
}

fn broken_fixtures() -> Vec<String> {
    let dir = workspace().join("tests/fixtures/broken");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_examples_are_clean() {
    for dir in [
        "examples/kserve-keda-vllm",
        "examples/deployment-scaledobject",
    ] {
        let output = swell(&["check", dir]);
        assert_eq!(code(&output), 0, "{dir}: {}", stdout(&output));
        insta::assert_snapshot!(
            format!("example_{}", dir.replace(['/', '-'], "_")),
            stdout(&output)
        );
        let (exit, findings) = json_findings(&[dir]);
        assert_eq!((exit, findings.len()), (0, 0), "{dir}: {findings:?}");
    }
}

#[test]
fn the_readme_command_checks_every_example_and_exits_zero() {
    let output = swell(&["check", "examples/"]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(
        stdout(&output).contains("0 errors, 0 warnings in 5 files"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn every_broken_fixture_reports_its_code_with_the_right_exit_status() {
    let fixtures = broken_fixtures();
    assert!(fixtures.len() >= 30, "{fixtures:?}");
    for name in fixtures {
        let path = format!("tests/fixtures/broken/{name}.yaml");
        let text = swell(&["check", &path]);
        let (exit, findings) = json_findings(&[&path]);
        let warning = WARNING_FIXTURES.contains(&name.as_str());
        let wanted = if warning { "warning" } else { "error" };
        assert!(
            findings
                .iter()
                .any(|f| f["code"] == name.as_str() && f["severity"] == wanted),
            "{path}: no {wanted} `{name}` in {findings:#?}"
        );
        assert_eq!(exit, if warning { 0 } else { 1 }, "{path}: {findings:#?}");
        assert_eq!(code(&text), exit, "{path}: text and json exit codes differ");
        insta::assert_snapshot!(format!("broken_{name}_text"), stdout(&text));
        insta::assert_json_snapshot!(format!("broken_{name}_json"), findings);
    }
}

#[test]
fn json_findings_have_exactly_the_contract_fields() {
    let (_, findings) = json_findings(&["tests/fixtures/broken"]);
    assert!(!findings.is_empty());
    let expected = [
        "code", "document", "field", "file", "kind", "message", "name", "severity",
    ];
    for finding in findings {
        let mut keys: Vec<&str> = finding
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, expected, "{finding}");
        assert!(finding["document"].is_u64());
        assert!(matches!(
            finding["severity"].as_str(),
            Some("error" | "warning")
        ));
    }
}

#[test]
fn cross_file_references_are_checked_when_files_are_given_together() {
    // The TriggerAuthentication names a Secret that only the other file holds, in another
    // namespace: checked together, the mismatch shows; alone, nothing can be said.
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth.yaml");
    let secret = dir.path().join("secret.yaml");
    std::fs::write(
        &auth,
        "apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: a, namespace: \
         llm}\nspec:\n  secretTargetRef:\n  - {parameter: username, name: prom, key: username}\n",
    )
    .unwrap();
    std::fs::write(
        &secret,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: prom, namespace: monitoring}\nstringData: \
         {username: u}\n",
    )
    .unwrap();
    let (alone, findings) = json_findings(&[auth.to_str().unwrap()]);
    assert_eq!((alone, findings.len()), (0, 0), "{findings:?}");
    let (_, findings) = json_findings(&[dir.path().to_str().unwrap()]);
    assert!(
        findings.iter().any(|f| f["code"] == "missing-secret"),
        "{findings:?}"
    );
}

#[test]
fn usage_errors_and_unreadable_paths_exit_two() {
    let cases: &[&[&str]] = &[
        &["check"],
        &["check", "--format", "xml", "examples"],
        &["check", "does/not/exist.yaml"],
        &["check", "crates/swell/src/cmd"],
    ];
    for args in cases {
        let output = swell(args);
        assert_eq!(
            code(&output),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !output.stderr.is_empty(),
            "{args:?} explains itself on stderr"
        );
    }
}

#[test]
fn odd_inputs_never_crash_it() {
    let dir = tempfile::tempdir().unwrap();
    let deep = "a: ".repeat(200);
    let inputs: &[(&str, &[u8])] = &[
        ("empty.yaml", b""),
        ("only-comments.yaml", b"# nothing\n---\n# here\n"),
        ("scalar.yaml", b"just a string\n"),
        ("list.yaml", b"- 1\n- 2\n"),
        ("binary.yaml", &[0xff, 0xfe, 0x00, 0x01]),
        ("deep.yaml", deep.as_bytes()),
        ("anchors.yaml", b"a: &x [*x]\n"),
        (
            "half-so.yaml",
            b"apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec:\n  triggers: 7\n",
        ),
        (
            "weird-isvc.yaml",
            b"apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: x}\n\
              spec: {predictor: {autoScaling: {metrics: [{type: External}]}}}\n",
        ),
    ];
    for (name, bytes) in inputs {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = swell(&["check", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        // Binary content cannot be read as text (exit 2); everything else is checked.
        let expected: &[i32] = if *name == "binary.yaml" {
            &[2]
        } else {
            &[0, 1]
        };
        assert!(
            expected.contains(&code(&output)),
            "{name}: {}{stderr}",
            stdout(&output)
        );
    }
}
