//! Table-driven tests of Prometheus trigger metadata and authentication parsing.

use super::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const BASE: &[(&str, &str)] = &[
    ("serverAddress", "http://prom:9090"),
    ("query", "sum(up)"),
    ("threshold", "10"),
];

fn with(extra: &[(&str, &str)]) -> Metadata {
    let mut metadata = map(BASE);
    metadata.extend(map(extra));
    metadata
}

#[test]
fn defaults_match_keda() {
    let trigger = parse(&with(&[]), &AuthParams::new()).unwrap();
    assert_eq!(trigger.threshold, 10.0);
    assert_eq!(trigger.activation_threshold, 0.0);
    assert!(
        trigger.ignore_null_values,
        "ignoreNullValues defaults to true"
    );
    assert!(!trigger.unsafe_ssl);
    assert_eq!(trigger.timeout(), Duration::from_millis(3000));
    assert_eq!(trigger.namespace, None);
    assert!(trigger.auth.modes.is_empty());
    assert!(trigger.warnings.is_empty());
}

#[test]
fn invalid_metadata_names_the_key() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("serverAddress", "")], "serverAddress"),
        (&[("query", "  ")], "query"),
        (&[("threshold", "")], "threshold"),
        (&[("threshold", "abc")], "threshold"),
        (&[("threshold", "1,5")], "threshold"),
        (&[("activationThreshold", "x")], "activationThreshold"),
        (&[("ignoreNullValues", "yes")], "ignoreNullValues"),
        (&[("unsafeSsl", "no")], "unsafeSsl"),
        (&[("timeout", "-1")], "timeout"),
        (&[("timeout", "3 seconds")], "timeout"),
        (&[("customHeaders", "X-A=1=2")], "customHeaders"),
        (&[("queryParameters", "a")], "queryParameters"),
        (&[("authModes", "basic,digest")], "authModes"),
        (&[("authModes", "basic,bearer")], "authModes"),
        (&[("authMode", "bearer,oauth")], "authMode"),
    ];
    for (extra, key) in cases {
        let err = parse(&with(extra), &AuthParams::new()).unwrap_err();
        assert_eq!(&err.key, key, "metadata {extra:?}: {err}");
    }
}

#[test]
fn optional_settings_are_parsed() {
    let trigger = parse(
        &with(&[
            ("activationThreshold", "2.5"),
            ("namespace", " tenant-a "),
            ("customHeaders", "X-Scope-OrgID=team, X-Env=prod"),
            ("queryParameters", "dedup=true"),
            ("ignoreNullValues", "false"),
            ("unsafeSsl", "TRUE"),
            ("timeout", "1m30s"),
        ]),
        &AuthParams::new(),
    )
    .unwrap();
    assert_eq!(trigger.activation_threshold, 2.5);
    assert_eq!(trigger.namespace.as_deref(), Some("tenant-a"));
    assert_eq!(
        trigger.custom_headers,
        map(&[("X-Scope-OrgID", "team"), ("X-Env", "prod")])
    );
    assert_eq!(trigger.query_parameters, map(&[("dedup", "true")]));
    assert!(!trigger.ignore_null_values);
    assert!(trigger.unsafe_ssl);
    assert_eq!(trigger.timeout(), Duration::from_secs(90));
}

#[test]
fn each_auth_mode_requires_its_parameters_from_auth_only() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: &[Case] = &[
        ("basic", &[], Some("username")),
        ("basic", &[("username", "u")], None),
        ("bearer", &[], Some("bearerToken")),
        ("bearer", &[("token", "t")], None),
        ("bearer", &[("bearerToken", "t")], None),
        ("tls", &[("cert", "C")], Some("key")),
        ("tls", &[("key", "K")], Some("cert")),
        ("tls", &[("cert", "C"), ("key", "K")], None),
        (
            "custom",
            &[("customAuthHeader", "X-Key")],
            Some("customAuthValue"),
        ),
        (
            "custom",
            &[("customAuthHeader", "X-Key"), ("customAuthValue", "v")],
            None,
        ),
        ("apiKey", &[], Some("apiKey")),
        (
            "oauth",
            &[("oauthTokenURI", "https://t"), ("clientID", "c")],
            Some("clientSecret"),
        ),
        (
            "tls,custom",
            &[
                ("cert", "C"),
                ("key", "K"),
                ("customAuthHeader", "H"),
                ("customAuthValue", "v"),
            ],
            None,
        ),
    ];
    for (modes, auth, missing) in cases {
        let result = parse(&with(&[("authModes", modes)]), &map(auth));
        assert_eq!(
            result.as_ref().err().map(|e| e.key.as_str()),
            *missing,
            "authModes {modes} with {auth:?}"
        );
    }

    // The same credentials in metadata do not count, and produce a warning.
    let err = parse(
        &with(&[("authModes", "basic"), ("username", "u")]),
        &AuthParams::new(),
    )
    .unwrap_err();
    assert_eq!(err.key, "username");
}

#[test]
fn auth_modes_may_come_from_auth_params() {
    let trigger = parse(
        &with(&[]),
        &map(&[("authModes", "basic"), ("username", "u"), ("password", "p")]),
    )
    .unwrap();
    assert_eq!(trigger.auth.modes, [AuthMode::Basic]);
    let header = trigger.auth.header().unwrap();
    assert!(matches!(
        header,
        AuthHeader::Basic {
            username: "u",
            password: Some(_)
        }
    ));
}

#[test]
fn header_precedence_is_bearer_then_basic_then_custom() {
    let both = map(&[
        ("username", "u"),
        ("customAuthHeader", "X-K"),
        ("customAuthValue", "v"),
    ]);
    let trigger = parse(&with(&[("authModes", "basic,custom")]), &both).unwrap();
    assert!(
        matches!(trigger.auth.header(), Some(AuthHeader::Basic { .. })),
        "KEDA never sends custom with basic"
    );

    let trigger = parse(&with(&[("authModes", "custom")]), &both).unwrap();
    assert!(matches!(
        trigger.auth.header(),
        Some(AuthHeader::Custom { header: "X-K", .. })
    ));

    let trigger = parse(
        &with(&[("authModes", "tls")]),
        &map(&[("cert", "C"), ("key", "K")]),
    )
    .unwrap();
    assert_eq!(trigger.auth.header(), None);
    assert!(trigger.auth.client_identity().is_some());
}

#[test]
fn ca_applies_only_with_some_auth_mode() {
    let trigger = parse(&with(&[]), &map(&[("ca", "PEM")])).unwrap();
    assert_eq!(trigger.auth.effective_ca(), None);
    assert!(trigger.warnings.iter().any(|w| w.key == "ca"));

    let trigger = parse(
        &with(&[("authModes", "basic")]),
        &map(&[("username", "u"), ("ca", "PEM")]),
    )
    .unwrap();
    assert_eq!(trigger.auth.effective_ca(), Some("PEM"));
}

#[test]
fn unsupported_and_ignored_settings_become_warnings() {
    let trigger = parse(
        &with(&[
            ("awsRegion", "eu-west-1"),
            ("cloud", "AZUREPUBLICCLOUD"),
            ("password", "oops"),
            ("cortexOrgID", "x"),
        ]),
        &map(&[("GoogleApplicationCredentials", "{}")]),
    )
    .unwrap();
    let keys: Vec<&str> = trigger.warnings.iter().map(|w| w.key.as_str()).collect();
    for key in [
        "awsRegion",
        "cloud",
        "password",
        "cortexOrgID",
        "GoogleApplicationCredentials",
    ] {
        assert!(
            keys.contains(&key),
            "expected a warning for {key}, got {keys:?}"
        );
    }
}

#[test]
fn debug_output_redacts_every_credential() {
    let secrets = map(&[
        ("username", "user"),
        ("password", "pa55word"),
        ("bearerToken", "tok3n"),
        ("key", "PRIVATEKEY"),
        ("cert", "CERT"),
        ("customAuthHeader", "X-K"),
        ("customAuthValue", "cust0m"),
    ]);
    let trigger = parse(&with(&[("authModes", "basic,tls,custom")]), &secrets).unwrap();
    let debug = format!("{trigger:?}");
    for secret in ["pa55word", "tok3n", "PRIVATEKEY", "cust0m"] {
        assert!(!debug.contains(secret), "{secret} leaked in {debug}");
    }
}

#[test]
fn hpa_value_clamps_to_zero() {
    for (input, expected) in [
        (3.5, 3.5),
        (-1.0, 0.0),
        (f64::NAN, 0.0),
        (f64::INFINITY, 0.0),
        (0.0, 0.0),
    ] {
        assert_eq!(hpa_value(input), expected, "input {input}");
    }
}
