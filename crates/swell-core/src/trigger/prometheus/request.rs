//! The instant-query URL KEDA's Prometheus scaler requests.
//!
//! `{serverAddress}/api/v1/query?query=<escaped>&time=<now, RFC 3339 UTC, whole seconds>`,
//! then `&namespace=<namespace>` (not escaped) and the `queryParameters` (escaped, sorted).
//! The path is appended by string concatenation, as in KEDA: a trailing slash in
//! `serverAddress` gives `//api/v1/query`.

use super::PrometheusTrigger;

/// The full request URL for `trigger` at `now_unix_secs` (seconds since the Unix epoch).
pub fn query_url(trigger: &PrometheusTrigger, now_unix_secs: i64) -> String {
    // KEDA's quirk: no trailing-slash cleanup, the path is concatenated.
    let mut url = format!(
        "{}/api/v1/query?query={}&time={}",
        trigger.server_address,
        query_escape(&trigger.query),
        rfc3339_utc(now_unix_secs)
    );
    if let Some(namespace) = &trigger.namespace {
        // KEDA's quirk: the namespace is appended without escaping.
        url.push_str("&namespace=");
        url.push_str(namespace);
    }
    for (key, value) in &trigger.query_parameters {
        url.push('&');
        url.push_str(&query_escape(key));
        url.push('=');
        url.push_str(&query_escape(value));
    }
    url
}

/// Go's `url.QueryEscape`: space becomes `+`, everything but `A-Za-z0-9-_.~` is %-encoded.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// `unix_secs` as RFC 3339 in UTC with whole seconds, e.g. `2026-01-31T12:00:00Z`.
pub fn rfc3339_utc(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::prometheus::parse;

    fn trigger(extra: &[(&str, &str)]) -> PrometheusTrigger {
        let mut metadata: crate::metadata::Metadata = [
            ("serverAddress", "http://prom:9090"),
            ("query", "sum(vllm:num_requests_running{namespace=\"ns\"})"),
            ("threshold", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        metadata.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        parse(&metadata, &Default::default()).unwrap()
    }

    #[test]
    fn timestamps_are_rfc3339_utc_seconds() {
        for (secs, expected) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_756_105_200, "2025-08-25T07:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] {
            assert_eq!(rfc3339_utc(secs), expected, "secs {secs}");
        }
    }

    #[test]
    fn query_escape_matches_go() {
        assert_eq!(query_escape("a b+c/d:e~f"), "a+b%2Bc%2Fd%3Ae~f");
        assert_eq!(query_escape("{x=\"é\"}"), "%7Bx%3D%22%C3%A9%22%7D");
    }

    #[test]
    fn url_concatenates_path_and_appends_parameters_in_keda_order() {
        let url = query_url(&trigger(&[]), 0);
        assert_eq!(
            url,
            "http://prom:9090/api/v1/query?query=sum%28vllm%3Anum_requests_running%7Bnamespace%3D%22ns%22%7D%29&time=1970-01-01T00:00:00Z"
        );
        let url = query_url(
            &trigger(&[
                ("serverAddress", "http://prom:9090/"),
                ("namespace", "team a"),
                ("queryParameters", "stats=all,dedup=true"),
            ]),
            0,
        );
        assert!(url.starts_with("http://prom:9090//api/v1/query?"), "{url}");
        assert!(
            url.ends_with("&namespace=team a&dedup=true&stats=all"),
            "{url}"
        );
    }
}
