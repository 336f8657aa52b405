//! Unit tests of `allow`.

use super::*;

#[test]
fn placeholders() {
    for p in [
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "AKIAIOSFODNN7EXAMPLE",
        "YOUR_TOKEN",
        "<your-token>",
        "${GITHUB_TOKEN}",
        "{{ secrets.TOKEN }}",
        "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",
        "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "os.environ['X']",
        "sha512-Zm9vYmFyYmF6cXV4cXV1eA==",
        "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct",
        "postgres",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq",
        "$PYPI_PASSWORD",
        "%API_TOKEN%",
    ] {
        assert!(is_placeholder(p.as_bytes()), "{p}");
    }
}

#[test]
fn random_tokens_pass() {
    let tokens = [
        crate::engine::validate::make_crc32_token("ghp_", "StZsxnTSWsbCBpWUedoB6SJ95Ypuie"),
        format!("AKIA{}", "E3CLVI6J47FO4SKQ"),
        format!("glpat-{}", "QCFRVnBdfX2iA4uhrZ-3"),
    ];
    for t in &tokens {
        assert!(!is_placeholder(t.as_bytes()), "{t}");
    }
}

#[test]
fn generic_noise() {
    for n in [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "d41d8cd98f00b204e9800998ecf8427e",
        "bert-base-uncased-v2",
        "settings.OPENAI_API_KEY",
        "config/secrets/prod.json",
        "getAccessTokenFromStore",
        "sk_live_4eC39HqLyjWDarjtT1zdp7",
        "D3DKMT_PRESENT_HISTORY_TOKEN",
        "ed25519.Ed25519PrivateKey",
        "yegor256/home#assets/crates-credentials",
        "quote_spanned!",
        "secret123",
        "X509CertificateTemplatePrivateKeyFlag",
    ] {
        assert!(is_generic_noise(n.as_bytes()), "{n}");
    }
    for s in [
        "Xk9mQ2vT7pLw4RzN8sJd",
        "s3cr3t-Pq7Zx9Lm2Wv4",
        "aB3$dE6&gH9!jK2m",
    ] {
        assert!(!is_generic_noise(s.as_bytes()), "{s}");
    }
}

#[test]
fn long_key_material_with_runs_passes() {
    let body = format!("AAAAAAAAB3NzaC1yc2E{}", "q8Zr+Tn2/Lw5Kv9Xp".repeat(8));
    assert!(!is_placeholder(body.as_bytes()));
    assert!(is_placeholder("A".repeat(150).as_bytes()));
}
