use super::*;

/// 2026-12-02T00:00:00Z, the "now" of these tests.
const NOW: i64 = 1_796_169_600;

fn day(s: &str) -> i64 {
    let d: jiff::civil::Date = s.parse().expect("date");
    d.to_zoned(jiff::tz::TimeZone::UTC)
        .expect("zoned")
        .timestamp()
        .as_second()
}

#[test]
fn the_test_clock_and_the_cut_over_constants_are_the_dates_they_say() {
    assert_eq!(NOW, day("2026-12-02"));
    assert_eq!(day("2024-12-15"), 1_734_220_800);
    assert_eq!(day("2026-05-13"), 1_778_630_400);
}

#[test]
fn kinds_lifetimes_and_revocation_pages() {
    let t = offline("github-pat-classic", "ghp_x", b"", NOW).expect("facts");
    assert_eq!(t.kind, "classic personal access token");
    assert_eq!(t.revoke_url, Some("https://github.com/settings/tokens"));
    let t = offline("github-pat-fine-grained", "github_pat_x", b"", NOW).expect("facts");
    assert_eq!(
        t.revoke_url,
        Some("https://github.com/settings/personal-access-tokens")
    );
    let t = offline("github-app-user-token", "ghu_x", b"", NOW).expect("facts");
    assert_eq!(t.lifetime, Some("8 hours"));
    let t = offline("openai-api-key", "sk-svcacct-x", b"", NOW).expect("facts");
    assert_eq!(t.kind, "service account API key");
    let t = offline("stripe-test-key", "sk_test_x", b"", NOW).expect("facts");
    assert_eq!(t.kind, "test mode key");
    assert_eq!(t.revoke_url, Some("https://dashboard.stripe.com/apikeys"));
    // A rule that finds passwords has no token kind.
    assert_eq!(offline("generic-password", "x", b"", NOW), None);
}

#[test]
fn history_bounds_expiry_by_the_introducing_commit() {
    let committed = day("2026-11-01");
    let mut t = offline("github-app-installation-token", "ghs_x", b"", NOW).expect("facts");
    bound_by_commit(&mut t, "github-app-installation-token", committed, NOW);
    assert_eq!(
        t.expires_at.as_deref(),
        Some(iso(committed + 3600).as_str())
    );
    assert_eq!((t.expired, t.bound), (Some(true), true));
    assert_eq!(t.expires_source, Some("policy:max-lifetime"));
    assert!(
        t.describe().contains("expired at the latest"),
        "{}",
        t.describe()
    );
    // A provider with no cap gives no bound.
    let mut t = offline("github-pat-classic", "ghp_x", b"", NOW).expect("facts");
    bound_by_commit(&mut t, "github-pat-classic", committed, NOW);
    assert_eq!((t.expires_at, t.bound), (None, false));
    // A refresh token of last month may still be live: a bound in the future.
    let mut t = offline("github-refresh-token", "ghr_x", b"", NOW).expect("facts");
    bound_by_commit(&mut t, "github-refresh-token", committed, NOW);
    assert_eq!(t.expired, Some(false));
}

#[test]
fn atlassian_tokens_made_before_the_cut_over_ended_on_its_final_date() {
    let bound = |committed: &str| {
        let mut t = offline("atlassian-api-token", "ATATT", b"", NOW).expect("facts");
        bound_by_commit(&mut t, "atlassian-api-token", day(committed), NOW);
        (t.expires_at.unwrap_or_default(), t.expired)
    };
    assert_eq!(
        bound("2025-03-01"),
        ("2026-05-13T00:00:00Z".to_string(), Some(true))
    );
    assert_eq!(
        bound("2023-06-01"),
        ("2026-05-13T00:00:00Z".to_string(), Some(true))
    );
    assert_eq!(
        bound("2026-01-10"),
        ("2027-01-10T00:00:00Z".to_string(), Some(false))
    );
}

#[test]
fn a_signed_expiry_is_not_replaced_by_a_bound() {
    let mut t = offline("jwt", "x", b"", NOW).expect("facts");
    t.expires(NOW + 100, "jwt-exp", NOW);
    bound_by_commit(&mut t, "github-app-installation-token", NOW - 10 * DAY, NOW);
    assert_eq!((t.expired, t.bound), (Some(false), false));
}

#[test]
fn the_app_id_of_a_stateless_installation_token() {
    assert_eq!(
        stateless_app_id(b"TOKEN=ghs_12345_"),
        Some("12345".to_string())
    );
    assert_eq!(stateless_app_id(b"TOKEN=ghs__"), None);
    assert_eq!(stateless_app_id(b"TOKEN=ghs_12a_"), None);
    assert_eq!(stateless_app_id(b"no head"), None);
}
