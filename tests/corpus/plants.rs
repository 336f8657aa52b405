//! What the corpus plants: one generator per rule (positives, with the rule family that must
//! report them) and hard negatives that no rule may report.

use super::gen::{self, *};

/// How an item is written into a file.
pub enum Text {
    /// `name = value`, rendered in the file's own syntax.
    Assign { name: String, value: String },
    /// Lines written as they are (multi-line keys, CSV pairs, .npmrc lines).
    Raw(String),
}

pub struct Item {
    pub text: Text,
    /// For a positive: each secret the scanner must report, with the rule id (or id prefix)
    /// that must report it. For a negative: the values that must not be reported.
    pub needles: Vec<(String, &'static str)>,
    pub negative: bool,
}

fn a(name: &str, value: String, family: &'static str) -> Item {
    Item {
        needles: vec![(value.clone(), family)],
        text: Text::Assign {
            name: name.into(),
            value,
        },
        negative: false,
    }
}

fn a_with(name: &str, value: String, needle: String, family: &'static str) -> Item {
    Item {
        needles: vec![(needle, family)],
        text: Text::Assign {
            name: name.into(),
            value,
        },
        negative: false,
    }
}

fn raw(text: String, needles: Vec<(String, &'static str)>) -> Item {
    Item {
        text: Text::Raw(text),
        needles,
        negative: false,
    }
}

fn neg(name: &str, value: String) -> Item {
    Item {
        needles: vec![(value.clone(), "")],
        text: Text::Assign {
            name: name.into(),
            value,
        },
        negative: true,
    }
}

fn neg_raw(text: String, needle: String) -> Item {
    Item {
        text: Text::Raw(text),
        needles: vec![(needle, "")],
        negative: true,
    }
}

/// GitLab's classic 20-character alphabet (no l, I, O, 0).
const GLB: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ123456789_-";

fn password(r: &mut Rng) -> String {
    let n = r.range(14, 22) as usize;
    format!("{}{}", r.s(ALNUM, n), r.range(0, 9))
}

/// One positive for every rule of the pack.
// One push per rule reads as a table and lets generators share the Rng between items.
#[allow(clippy::vec_init_then_push)]
pub fn positives(r: &mut Rng) -> Vec<Item> {
    let mut v = Vec::new();
    // GitHub
    v.push(a("GITHUB_TOKEN", crc62(r, "ghp_"), "github-pat-classic"));
    v.push(a("GH_OAUTH_TOKEN", crc62(r, "gho_"), "github-oauth-token"));
    v.push(a(
        "GH_USER_TOKEN",
        crc62(r, "ghu_"),
        "github-app-user-token",
    ));
    v.push(a(
        "GH_INSTALLATION_TOKEN",
        crc62(r, "ghs_"),
        "github-app-installation-token",
    ));
    v.push(a(
        "GH_REFRESH_TOKEN",
        crc62(r, "ghr_"),
        "github-refresh-token",
    ));
    let fg = format!("github_pat_{}_{}", r.s(ALNUM, 22), r.s(ALNUM, 59));
    v.push(a("GH_TOKEN", fg, "github-pat-fine-grained"));
    v.push(a(
        "GITHUB_CLIENT_SECRET",
        r.s(HEX, 40),
        "github-oauth-client-secret",
    ));
    let lines = pem_lines(r, 1190);
    let key = format!(
        "GITHUB_APP_PRIVATE_KEY=\"-----BEGIN RSA PRIVATE KEY-----\\n{}\\n-----END RSA PRIVATE KEY-----\"",
        lines.join("\\n")
    );
    v.push(raw(key, vec![(lines[2].clone(), "github-app-private-key")]));
    // GitLab
    v.push(a(
        "GITLAB_TOKEN",
        format!("glpat-{}", r.s(GLB, 20)),
        "gitlab-pat",
    ));
    let versioned = r.below(2) == 0;
    v.push(a(
        "GITLAB_TOKEN",
        gitlab_routable(r, "glpat-", versioned),
        "gitlab-pat-routable",
    ));
    let p = *r.pick(&["gldt-", "glrt-", "glft-", "glptt-", "gloas-", "glagent-"]);
    v.push(a(
        "GITLAB_DEPLOY",
        gitlab_routable(r, p, true),
        "gitlab-routable-token",
    ));
    v.push(a(
        "GITLAB_DEPLOY_TOKEN",
        format!("gldt-{}", r.s(GLB, 20)),
        "gitlab-deploy-token",
    ));
    v.push(a(
        "RUNNER_TOKEN",
        format!("glrt-t1_{}", r.s(GLB, 20)),
        "gitlab-runner-token",
    ));
    v.push(a(
        "REGISTRATION_TOKEN",
        format!("GR1348941{}", r.s(GLB, 20)),
        "gitlab-runner-registration-token",
    ));
    v.push(a(
        "TRIGGER_TOKEN",
        format!("glptt-{}", r.s(HEX, 40)),
        "gitlab-pipeline-trigger-token",
    ));
    v.push(a(
        "GITLAB_OAUTH_SECRET",
        format!("gloas-{}", r.s(HEX, 64)),
        "gitlab-oauth-app-secret",
    ));
    v.push(a(
        "GITLAB_FEED",
        format!("glft-{}", r.s(GLB, 20)),
        "gitlab-feed-token",
    ));
    v.push(a(
        "CI_JOB",
        format!("glcbt-{}_{}", r.s(ALNUM, 2), r.s(GLB, 20)),
        "gitlab-ci-job-token",
    ));
    v.push(a(
        "MAIL_TOKEN",
        format!("glimt-{}", r.s(GLB, 25)),
        "gitlab-incoming-mail-token",
    ));
    v.push(a(
        "AGENT_TOKEN",
        format!("glagent-{}", r.s(GLB, 50)),
        "gitlab-agent-token",
    ));
    v.push(a(
        "SCIM_TOKEN",
        format!("glsoat-{}", r.s(GLB, 20)),
        "gitlab-scim-token",
    ));
    v.push(a(
        "UNLEASH_TOKEN",
        format!("glffct-{}", r.s(GLB, 20)),
        "gitlab-feature-flag-client-token",
    ));
    // AWS
    let id = format!("AKIA{}", r.s(B32, 16));
    v.push(a("AWS_ACCESS_KEY_ID", id, "aws-access-key-id"));
    v.push(a("AWS_SECRET_ACCESS_KEY", r.s(B64, 40), "aws-secret"));
    let (id, sec) = (format!("ASIA{}", r.s(B32, 16)), r.s(B64, 40));
    v.push(raw(
        format!("{id},{sec},us-east-1"),
        vec![(id, "aws-access-key-id"), (sec, "aws-secret")],
    ));
    let st = format!("IQoJb3JpZ2luX2VjE{}", r.s(B64, 300));
    v.push(a("AWS_SESSION_TOKEN", st, "aws-session-token"));
    let mut bk = b"BedrockAPIKey-ab12-at-123456789012:".to_vec();
    bk.extend(r.bytes(64));
    v.push(a(
        "AWS_BEARER_TOKEN_BEDROCK",
        format!("ABSK{}", b64(&bk, false, true)),
        "aws-bedrock-api-key",
    ));
    // Registries
    v.push(a("NPM_TOKEN", crc62(r, "npm_"), "npm-access-token"));
    let u = uuid(r);
    v.push(raw(
        format!("//registry.npmjs.org/:_authToken={u}"),
        vec![(u, "npm-legacy-auth-token")],
    ));
    v.push(a("TWINE_PASSWORD", pypi(r), "pypi-upload-token"));
    v.push(a(
        "GEM_HOST_API_KEY",
        format!("rubygems_{}", r.s(HEX, 48)),
        "rubygems-api-key",
    ));
    v.push(a(
        "NUGET_API_KEY",
        format!("oy2{}", r.s(LOWER_ALNUM, 43)),
        "nuget-api-key",
    ));
    v.push(a(
        "DOCKERHUB_TOKEN",
        format!("dckr_pat_{}", r.s(B64URL, 27)),
        "dockerhub-pat",
    ));
    v.push(a(
        "DOCKER_PASSWORD",
        format!("dckr_oat_{}", r.s(B64URL, 32)),
        "dockerhub-org-token",
    ));
    // Google
    v.push(a(
        "GOOGLE_API_KEY",
        format!("AIza{}", r.s(B64URL, 35)),
        "gcp-api-key",
    ));
    let lines = pem_lines(r, 1190);
    let sa = format!(
        "{{\"type\": \"service_account\", \"project_id\": \"acme-prod\", \"private_key_id\": \"{}\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n\", \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"}}",
        r.s(HEX, 40),
        lines.join("\\n")
    );
    v.push(raw(sa, vec![(lines[3].clone(), "gcp-service-account-key")]));
    v.push(a(
        "GOOGLE_CLIENT_SECRET",
        format!("GOCSPX-{}", r.s(B64URL, 28)),
        "gcp-oauth-client-secret",
    ));
    v.push(a(
        "GOOGLE_ACCESS_TOKEN",
        format!("ya29.a0{}", r.s(B64URL, 150)),
        "gcp-oauth-access-token",
    ));
    // Azure
    let k = format!("{}==", r.s(B64, 86));
    let cs = format!("DefaultEndpointsProtocol=https;AccountName=acme{};AccountKey={k};EndpointSuffix=core.windows.net", r.s(LOWER_ALNUM, 5));
    v.push(a_with(
        "AZURE_STORAGE_CONNECTION_STRING",
        cs,
        k,
        "azure-storage-account-key",
    ));
    v.push(a(
        "AZURE_STORAGE_KEY",
        format!("{}==", r.s(B64, 86)),
        "azure-storage-key-assignment",
    ));
    let sig = sas_sig(r);
    let url = format!("https://acme.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-01-01T00:00:00Z&spr=https&sig={sig}");
    v.push(a_with("BACKUP_SAS_URL", url, sig, "azure-sas-token"));
    let entra = format!(
        "{}{}Q~{}",
        r.s(ALNUM, 3),
        r.range(0, 9),
        r.s(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-",
            34
        )
    );
    v.push(a("AZURE_CLIENT_SECRET", entra, "azure-entra-client-secret"));
    v.push(a("AZURE_DEVOPS_PAT", cask(r), "azure-cask-key"));
    v.push(a("ADO_PAT", r.s(B32_LOWER, 52), "azure-devops-pat-legacy"));
    let key = format!("{}=", r.s(B64, 43));
    let sb = format!("Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}");
    v.push(a_with(
        "SERVICEBUS_CONNECTION",
        sb,
        key,
        "azure-service-bus-key",
    ));
    // Slack
    let bot = format!("xoxb-{}-{}-{}", r.digits(12), r.digits(13), r.s(ALNUM, 24));
    v.push(a("SLACK_BOT_TOKEN", bot, "slack-bot-token"));
    let user = format!(
        "xoxp-{}-{}-{}-{}",
        r.digits(12),
        r.digits(12),
        r.digits(13),
        r.s(HEX, 32)
    );
    v.push(a("SLACK_USER_TOKEN", user, "slack-user-token"));
    let app = format!(
        "xapp-1-A{}-{}-{}",
        r.s(UPPER_ALNUM, 10),
        r.digits(13),
        r.s(HEX, 64)
    );
    v.push(a("SLACK_APP_TOKEN", app, "slack-app-token"));
    v.push(a(
        "SLACK_CONFIG_TOKEN",
        format!("xoxe.xoxp-1-{}", r.s(UPPER_ALNUM, 164)),
        "slack-config-access-token",
    ));
    v.push(a(
        "SLACK_CONFIG_REFRESH",
        format!("xoxe-1-{}", r.s(UPPER_ALNUM, 146)),
        "slack-config-refresh-token",
    ));
    let legacy = format!("xoxs-{}-{}-{}", r.digits(11), r.digits(11), r.s(ALNUM, 32));
    v.push(a("SLACK_LEGACY_TOKEN", legacy, "slack-legacy-token"));
    let hook = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        r.s(UPPER_ALNUM, 10),
        r.s(UPPER_ALNUM, 10),
        r.s(ALNUM, 24)
    );
    v.push(a("SLACK_WEBHOOK_URL", hook, "slack-webhook-url"));
    // Chat
    v.push(a("DISCORD_TOKEN", discord(r), "discord-bot-token"));
    let dh = format!(
        "https://discord.com/api/webhooks/{}/{}",
        r.digits(18),
        r.s(B64URL, 68)
    );
    v.push(a("DISCORD_WEBHOOK", dh, "discord-webhook-url"));
    let tg = format!("{}:AA{}", r.digits(10), r.s(B64URL, 33));
    v.push(a("TELEGRAM_BOT_TOKEN", tg, "telegram-bot-token"));
    // Payments and messaging
    v.push(a(
        "STRIPE_SECRET_KEY",
        format!("sk_live_{}", r.s(ALNUM, 99)),
        "stripe-secret-key",
    ));
    v.push(a(
        "STRIPE_RESTRICTED_KEY",
        format!("rk_live_{}", r.s(ALNUM, 24)),
        "stripe-restricted-key",
    ));
    v.push(a(
        "STRIPE_TEST_KEY",
        format!("sk_test_{}", r.s(ALNUM, 99)),
        "stripe-test-key",
    ));
    v.push(a(
        "STRIPE_WEBHOOK_SECRET",
        format!("whsec_{}", r.s(ALNUM, 32)),
        "stripe-webhook-secret",
    ));
    // An API key SID is an identifier: the secret beside it is what leaks.
    let (sid, key_secret) = (format!("SK{}", r.s(HEX, 32)), r.s(ALNUM, 32));
    v.push(raw(
        format!("client = Client(\"{sid}\", \"{key_secret}\", account_sid)  # twilio"),
        vec![(key_secret, "twilio-api-key")],
    ));
    v.push(a("TWILIO_AUTH_TOKEN", r.s(HEX, 32), "twilio-auth-token"));
    let sg = format!("SG.{}.{}", r.s(B64URL, 22), r.s(B64URL, 43));
    v.push(a("SENDGRID_API_KEY", sg, "sendgrid-api-key"));
    v.push(a(
        "MAILGUN_API_KEY",
        format!("key-{}", r.s(HEX, 32)),
        "mailgun-api-key",
    ));
    let mg = format!("{}-{}-{}", r.s(HEX, 32), r.s(HEX, 8), r.s(HEX, 8));
    v.push(a("MAILGUN_WEBHOOK_SIGNING_KEY", mg, "mailgun-signing-key"));
    let mc = format!("{}-us{}", r.s(HEX, 32), r.range(1, 21));
    v.push(a("MAILCHIMP_API_KEY", mc, "mailchimp-api-key"));
    v.push(a(
        "SHOPIFY_TOKEN",
        format!("shpat_{}", r.s(HEX, 32)),
        "shopify-access-token",
    ));
    v.push(a(
        "SHOPIFY_CUSTOM",
        format!("shpca_{}", r.s(HEX, 32)),
        "shopify-custom-app-token",
    ));
    v.push(a(
        "SHOPIFY_PRIVATE",
        format!("shppa_{}", r.s(HEX, 32)),
        "shopify-private-app-token",
    ));
    v.push(a(
        "SHOPIFY_SHARED",
        format!("shpss_{}", r.s(HEX, 32)),
        "shopify-shared-secret",
    ));
    // Developer SaaS
    v.push(a(
        "JIRA_API_TOKEN",
        atlassian(r, "ATATT3xFfGF0"),
        "atlassian-api-token",
    ));
    v.push(a(
        "ATLASSIAN_ORG_KEY",
        atlassian(r, "ATCTT3xFfGN0"),
        "atlassian-admin-api-key",
    ));
    v.push(a(
        "BITBUCKET_APP_PASSWORD",
        format!("ATBB{}", r.s(ALNUM, 32)),
        "bitbucket-app-password",
    ));
    v.push(a(
        "LINEAR_API_KEY",
        format!("lin_api_{}", r.s(ALNUM, 40)),
        "linear-api-key",
    ));
    let ntn = format!("ntn_{}{}", r.digits(11), r.s(ALNUM, 35));
    v.push(a("NOTION_TOKEN", ntn, "notion-integration-token"));
    v.push(a(
        "NOTION_KEY",
        format!("secret_{}", r.s(ALNUM, 43)),
        "notion-integration-token-legacy",
    ));
    v.push(a("SENTRY_AUTH_TOKEN", sentry_org(r), "sentry-org-token"));
    v.push(a(
        "SENTRY_USER_TOKEN",
        format!("sntryu_{}", r.s(HEX, 64)),
        "sentry-user-token",
    ));
    v.push(a("DD_API_KEY", r.s(HEX, 32), "datadog-api-key"));
    v.push(a("DD_APP_KEY", r.s(HEX, 40), "datadog-app-key"));
    v.push(a(
        "NEW_RELIC_API_KEY",
        format!("NRAK-{}", r.s(UPPER_ALNUM, 27)),
        "newrelic-user-api-key",
    ));
    v.push(a(
        "NEW_RELIC_INSERT_KEY",
        format!("NRII-{}", r.s(B64URL, 32)),
        "newrelic-insert-key",
    ));
    v.push(a(
        "NEW_RELIC_LICENSE_KEY",
        format!("{}NRAL", r.s(HEX, 36)),
        "newrelic-license-key",
    ));
    let glc = format!(
        r#"{{"o":"{}","n":"stack-{}-token","k":"{}","m":{{"r":"prod-us-east-0"}}}}"#,
        r.digits(7),
        r.s(LOWER_ALNUM, 6),
        r.s(ALNUM, 24)
    );
    v.push(a(
        "GRAFANA_CLOUD_TOKEN",
        format!("glc_{}", b64(glc.as_bytes(), false, true)),
        "grafana-cloud-token",
    ));
    let glsa = format!("glsa_{}_{}", r.s(ALNUM, 32), r.s(HEX, 8));
    v.push(a("GRAFANA_TOKEN", glsa, "grafana-service-account-token"));
    let gk = format!(
        r#"{{"k":"{}","n":"ci-{}","id":{}}}"#,
        r.s(ALNUM, 32),
        r.s(LOWER_ALNUM, 5),
        r.range(1, 999)
    );
    v.push(a(
        "GRAFANA_API_KEY",
        b64(gk.as_bytes(), false, true),
        "grafana-api-key",
    ));
    v.push(a(
        "DATABRICKS_TOKEN",
        format!("dapi{}", r.s(HEX, 32)),
        "databricks-token",
    ));
    v.push(a("SNOWFLAKE_PASSWORD", password(r), "snowflake-password"));
    v.push(a(
        "VAULT_TOKEN",
        format!("hvs.CAESI{}", r.s(B64URL, 90)),
        "vault-service-token",
    ));
    v.push(a(
        "VAULT_BATCH_TOKEN",
        format!("hvb.AAAAAQ{}", r.s(B64URL, 150)),
        "vault-batch-token",
    ));
    v.push(a(
        "VAULT_TOKEN",
        format!("s.{}", r.s(ALNUM, 24)),
        "vault-legacy-token",
    ));
    let tfc = format!("{}.atlasv1.{}", r.s(ALNUM, 14), r.s(B64URL, 67));
    v.push(a("TFE_TOKEN", tfc, "terraform-cloud-token"));
    v.push(a(
        "DOPPLER_TOKEN",
        format!("dp.pt.{}", r.s(ALNUM, 43)),
        "doppler-personal-token",
    ));
    v.push(a(
        "DOPPLER_TOKEN",
        format!("dp.st.prd.{}", r.s(ALNUM, 43)),
        "doppler-service-token",
    ));
    v.push(a(
        "DOPPLER_SCIM",
        format!("dp.scim.{}", r.s(ALNUM, 43)),
        "doppler-admin-token",
    ));
    let pmak = format!("PMAK-{}-{}", r.s(HEX, 24), r.s(HEX, 34));
    v.push(a("POSTMAN_API_KEY", pmak, "postman-api-key"));
    // Hosting
    v.push(a(
        "DIGITALOCEAN_TOKEN",
        format!("dop_v1_{}", r.s(HEX, 64)),
        "digitalocean-pat",
    ));
    v.push(a(
        "DO_OAUTH",
        format!("doo_v1_{}", r.s(HEX, 64)),
        "digitalocean-oauth-token",
    ));
    v.push(a(
        "DO_REFRESH",
        format!("dor_v1_{}", r.s(HEX, 64)),
        "digitalocean-refresh-token",
    ));
    v.push(a("HEROKU_API_KEY", uuid(r), "heroku-api-key"));
    v.push(a(
        "HEROKU_TOKEN",
        format!("HRKU-AA{}", r.s(B64URL, 58)),
        "heroku-api-key-v2",
    ));
    v.push(a(
        "CLOUDFLARE_API_TOKEN",
        r.s(B64URL, 40),
        "cloudflare-api-token",
    ));
    v.push(a(
        "CLOUDFLARE_API_KEY",
        r.s(HEX, 37),
        "cloudflare-global-api-key",
    ));
    let ca = format!("v1.0-{}-{}", r.s(HEX, 24), r.s(HEX, 146));
    v.push(a("CF_ORIGIN_CA_KEY", ca, "cloudflare-origin-ca-key"));
    v.push(a("FASTLY_API_TOKEN", r.s(B64URL, 32), "fastly-api-token"));
    v.push(a(
        "NETLIFY_AUTH_TOKEN",
        format!("nfp_{}", r.s(ALNUM, 36)),
        "netlify-access-token",
    ));
    v.push(a(
        "NETLIFY_TOKEN",
        r.s(B64URL, 43),
        "netlify-access-token-legacy",
    ));
    v.push(a(
        "VERCEL_TOKEN",
        format!("vcp_{}", r.s(ALNUM, 56)),
        "vercel-personal-token",
    ));
    v.push(a(
        "VERCEL_INTEGRATION",
        format!("vci_{}", r.s(ALNUM, 56)),
        "vercel-app-token",
    ));
    v.push(a(
        "SUPABASE_ACCESS_TOKEN",
        format!("sbp_{}", r.s(HEX, 40)),
        "supabase-access-token",
    ));
    v.push(a(
        "SUPABASE_SECRET_KEY",
        format!("sb_secret_{}", r.s(B64URL, 31)),
        "supabase-secret-key",
    ));
    v.push(a(
        "PLANETSCALE_TOKEN",
        format!("pscale_tkn_{}", r.s(B64URL, 43)),
        "planetscale-token",
    ));
    v.push(a(
        "PLANETSCALE_PASSWORD",
        format!("pscale_pw_{}", r.s(B64URL, 43)),
        "planetscale-password",
    ));
    v.push(a(
        "PLANETSCALE_OAUTH",
        format!("pscale_oauth_{}", r.s(B64URL, 43)),
        "planetscale-oauth-token",
    ));
    // AI
    let oa = format!("sk-proj-{}T3BlbkFJ{}", r.s(B64URL, 74), r.s(B64URL, 74));
    v.push(a("OPENAI_API_KEY", oa, "openai-api-key"));
    let oal = format!("sk-{}T3BlbkFJ{}", r.s(ALNUM, 20), r.s(ALNUM, 20));
    v.push(a("OPENAI_KEY", oal, "openai-api-key-legacy"));
    v.push(a(
        "ANTHROPIC_API_KEY",
        format!("sk-ant-api03-{}AA", r.s(B64URL, 93)),
        "anthropic-api-key",
    ));
    v.push(a(
        "ANTHROPIC_ADMIN_KEY",
        format!("sk-ant-admin01-{}AA", r.s(B64URL, 93)),
        "anthropic-admin-key",
    ));
    v.push(a(
        "HF_TOKEN",
        format!("hf_{}", r.s(LETTERS, 34)),
        "huggingface-token",
    ));
    v.push(a(
        "HF_ORG_TOKEN",
        format!("api_org_{}", r.s(LETTERS, 34)),
        "huggingface-org-token",
    ));
    v.push(a(
        "REPLICATE_API_TOKEN",
        format!("r8_{}", r.s(ALNUM, 37)),
        "replicate-api-token",
    ));
    v.push(a("COHERE_API_KEY", r.s(ALNUM, 40), "cohere-api-key"));
    v.push(a("AUTH_TOKEN", jwt(r), "jwt"));
    // Keys
    let lines = pem_lines(r, 1190);
    let key = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
        lines.join("\n")
    );
    v.push(raw(key, vec![(lines[1].clone(), "private-key-pem")]));
    let mut ossh = b"openssh-key-v1\0\0\0\0\x04none\0\0\0\x04none".to_vec();
    ossh.extend(r.bytes(380));
    let body = b64(&ossh, false, true);
    let lines: Vec<String> = body
        .as_bytes()
        .chunks(70)
        .map(|c| String::from_utf8(c.to_vec()).expect("ascii"))
        .collect();
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----",
        lines.join("\n")
    );
    v.push(raw(key, vec![(lines[1].clone(), "private-key-openssh")]));
    let pk = putty(r);
    let needle = pk.lines().nth(12).expect("putty body").to_string();
    v.push(raw(pk, vec![(needle, "private-key-putty")]));
    let lines = pem_lines(r, 1500);
    let pgp = format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n={}\n-----END PGP PRIVATE KEY BLOCK-----",
        lines.join("\n"),
        r.s(B64, 4)
    );
    v.push(raw(pgp, vec![(lines[2].clone(), "private-key-pgp")]));
    v.push(a("SOPS_AGE_KEY", age_key(r), "age-secret-key"));
    // URLs and generic
    let pw = password(r);
    let scheme = *r.pick(&[
        "postgres://app",
        "mysql://svc",
        "mongodb+srv://etl",
        "postgresql+psycopg2://web",
    ]);
    v.push(a_with(
        "DATABASE_URL",
        format!("{scheme}:{pw}@db.internal:5432/app"),
        pw,
        "database-url-password",
    ));
    let pw = password(r);
    let scheme = *r.pick(&["redis://", "amqps://worker", "rediss://default"]);
    v.push(a_with(
        "BROKER_URL",
        format!("{scheme}:{pw}@mq.internal:5671/0"),
        pw,
        "broker-url-password",
    ));
    let pw = password(r);
    v.push(a_with(
        "PIP_INDEX_URL",
        format!("https://deploy:{pw}@pypi.acme-corp.net/simple"),
        pw,
        "basic-auth-url",
    ));
    let pw = password(r);
    v.push(raw(
        format!("machine api.acme-corp.net\n  login ci-bot\n  password {pw}"),
        vec![(pw, "netrc-password")],
    ));
    let name = *r.pick(&[
        "DB_PASSWORD",
        "api_secret",
        "SECRET_KEY",
        "service_api_key",
        "auth_token",
    ]);
    v.push(a(name, password(r), "generic-"));
    // Credentials with no format, in the forms people write them: the name and the value
    // apart, command lines, headers and credential files.
    let pw = human_password(r);
    let names: [&str; 3] = ["DB_PASS", "smtpPassword", "ADMIN_PWD"];
    let name = *r.pick(&names);
    v.push(a(name, pw.clone(), "generic-password"));
    let pw = human_password(r);
    v.push(raw(
        format!("        - name: POSTGRES_PASSWORD\n          value: \"{pw}\""),
        vec![(pw, "generic-secret-kubernetes-env")],
    ));
    let pw = human_password(r);
    v.push(raw(
        format!("<server>\n  <id>releases</id>\n  <username>deployer</username>\n  <password>{pw}</password>\n</server>"),
        vec![(pw, "generic-secret-xml")],
    ));
    let pw = human_password(r);
    v.push(raw(
        format!("curl -fsS -u ci-bot:{pw} https://ci.acme-corp.net/api/json"),
        vec![(pw, "curl-basic-auth")],
    ));
    let pw = human_password(r);
    v.push(raw(
        format!("docker login -u deployer --password {pw} registry.acme-corp.net"),
        vec![(pw, "generic-cli-password")],
    ));
    let tok = r.s(ALNUM, 32);
    v.push(raw(
        format!("curl -H \"Authorization: Bearer {tok}\" https://api.acme-corp.net/v2/items"),
        vec![(tok, "authorization-bearer")],
    ));
    let auth = b64(
        format!("deployer:{}", human_password(r)).as_bytes(),
        false,
        true,
    );
    v.push(raw(
        format!("{{\"auths\": {{\"registry.acme-corp.net\": {{\"auth\": \"{auth}\"}}}}}}"),
        vec![(auth, "docker-config-auth")],
    ));
    let pw = human_password(r);
    v.push(raw(
        format!("props.setProperty(\"mail.smtp.password\", \"{pw}\");"),
        vec![(pw, "generic-password-call")],
    ));
    v
}

/// A password as a person picks one: a capitalised word, digits and a symbol.
fn human_password(r: &mut Rng) -> String {
    let n = r.range(5, 9) as usize;
    let word = r.s(LETTERS, n);
    let sym = *r.pick(&["!", "#", "@", "%", "-", "_", "*"]);
    format!("{word}{sym}{}", r.range(10, 9999))
}

/// Hard negatives: what a scanner must leave alone.
#[allow(clippy::vec_init_then_push)]
pub fn negatives(r: &mut Rng) -> Vec<Item> {
    let mut v = Vec::new();
    // Checksummed formats with a broken checksum.
    v.push(neg("GITHUB_TOKEN", break_last(&crc62(r, "ghp_"))));
    v.push(neg("GH_OAUTH_TOKEN", break_last(&crc62(r, "gho_"))));
    v.push(neg("NPM_TOKEN", break_last(&crc62(r, "npm_"))));
    v.push(neg(
        "GITLAB_TOKEN",
        break_last(&gitlab_routable(r, "glpat-", true)),
    ));
    v.push(neg(
        "JIRA_API_TOKEN",
        break_last(&atlassian(r, "ATATT3xFfGF0")),
    ));
    v.push(neg("SOPS_AGE_KEY", break_last(&age_key(r))));
    // A Twilio API key SID alone names the key; it is not the secret.
    v.push(neg("TWILIO_API_KEY_SID", format!("SK{}", r.s(HEX, 32))));
    // Names that are about a secret, not the secret; values that stand for one.
    let value = r.s(ALNUM, 24);
    let names: [&str; 5] = [
        "credentialId",
        "publicToken",
        "csrf_token",
        "passwordPolicy",
        "token_type",
    ];
    let name = *r.pick(&names);
    v.push(neg(name, value));
    v.push(neg("DB_PASSWORD", b64(b"password", false, true)));
    v.push(neg_raw(
        "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db\n              key: password".into(),
        "password".into(),
    ));
    v.push(neg_raw(
        "curl -u \"$CI_USER:$CI_PASSWORD\" https://ci.acme-corp.net/api".into(),
        "$CI_PASSWORD".into(),
    ));
    v.push(neg("password", "%(db_password)s".into()));
    // Placeholders and documentation values.
    v.push(neg("GITHUB_TOKEN", format!("ghp_{}", "x".repeat(36))));
    v.push(neg("API_KEY", "<your-api-key>".into()));
    v.push(neg("API_KEY", "YOUR_API_KEY_HERE".into()));
    v.push(neg("password", "************".into()));
    v.push(neg("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE".into()));
    v.push(neg(
        "aws_secret_access_key",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
    ));
    v.push(neg(
        "STRIPE_SECRET_KEY",
        format!("sk_live_{}", "0".repeat(24)),
    ));
    v.push(neg(
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX".into(),
    ));
    v.push(neg(
        "DATABASE_URL",
        "postgres://postgres:postgres@localhost:5432/app".into(),
    ));
    v.push(neg(
        "CELERY_BROKER_URL",
        "amqp://guest:guest@localhost:5672//".into(),
    ));
    // Template references and environment lookups.
    v.push(neg("password", "${DB_PASSWORD}".into()));
    v.push(neg("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}".into()));
    v.push(neg("secret", "{{ .Values.apiSecret }}".into()));
    v.push(neg(
        "REDIS_URL",
        "redis://:${REDIS_PASSWORD}@redis:6379/0".into(),
    ));
    v.push(neg_raw(
        "token = os.environ[\"API_TOKEN\"]".into(),
        "os.environ[\"API_TOKEN\"]".into(),
    ));
    v.push(neg_raw(
        "  apiKey: process.env.STRIPE_SECRET_KEY,".into(),
        "process.env.STRIPE_SECRET_KEY".into(),
    ));
    v.push(neg_raw(
        "password = \"%(db_password)s\"".into(),
        "%(db_password)s".into(),
    ));
    v.push(neg_raw(
        "api_key = settings.OPENAI_API_KEY".into(),
        "settings.OPENAI_API_KEY".into(),
    ));
    // Hashes, ids, digests.
    let sri = format!("sha512-{}", b64(&r.bytes(64), false, true));
    v.push(neg_raw(format!("      \"integrity\": \"{sri}\","), sri));
    v.push(neg("GIT_COMMIT", r.s(HEX, 40)));
    v.push(neg("secret_hash", r.s(HEX, 64)));
    v.push(neg("token_md5", r.s(HEX, 32)));
    v.push(neg("request_id", uuid(r)));
    v.push(neg("api_key_id", uuid(r)));
    let digest = r.s(HEX, 64);
    v.push(neg_raw(
        format!("image: registry.acme-corp.net/api@sha256:{digest}"),
        digest,
    ));
    // Public halves.
    let pubkey = format!("AAAAC3NzaC1lZDI1NTE5AAAAI{}", r.s(B64, 43));
    v.push(neg_raw(format!("ssh-ed25519 {pubkey} deploy@ci"), pubkey));
    let p = pem(r, "PUBLIC KEY", 294);
    let needle = p.lines().nth(1).expect("body").to_string();
    v.push(neg_raw(p, needle));
    let c = pem(r, "CERTIFICATE", 900);
    let needle = c.lines().nth(2).expect("body").to_string();
    v.push(neg_raw(c, needle));
    // Identifiers and near-misses.
    v.push(neg("tokenizer_name", "bert-base-uncased-v2".into()));
    v.push(neg("password_field", "password_confirmation".into()));
    v.push(neg("GITHUB_TOKEN", format!("ghp_{}", r.s(ALNUM, 20))));
    v.push(neg("OPENAI_API_KEY", format!("sk-{}", r.s(ALNUM, 30))));
    let nojwt = format!(
        "{}.{}.{}",
        b64(br#"{"typ":"JWT"}"#, true, false),
        b64(br#"{"sub":"42"}"#, true, false),
        r.s(B64URL, 43)
    );
    v.push(neg("id_token", nojwt));
    // Documentation values, assembled here so that the source holds no token.
    let jwt_io = [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
    .concat();
    v.push(neg("ACCESS_TOKEN", jwt_io));
    v.push(neg(
        "STRIPE_TEST_KEY",
        ["sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"].concat(),
    ));
    v.push(neg("GOOGLE_API_KEY", format!("AIza{}", "x".repeat(35))));
    // More references and templates.
    v.push(neg("password", "{{ vault_db_password }}".into()));
    v.push(neg("SECRET_KEY", "#{ENV['SECRET_KEY_BASE']}".into()));
    v.push(neg("db_password", "<%= ENV['DB_PASSWORD'] %>".into()));
    v.push(neg(
        "PIP_INDEX_URL",
        "https://deploy:$PYPI_PASSWORD@pypi.acme-corp.net/simple".into(),
    ));
    v.push(neg("API_TOKEN", "%API_TOKEN%".into()));
    v.push(neg_raw(
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}".into(),
        "${NPM_TOKEN}".into(),
    ));
    v.push(neg("api_key", "REPLACE_WITH_YOUR_KEY".into()));
    v.push(neg("secret_name", "prod/db/master-password".into()));
    v.push(neg(
        "role_arn",
        format!("arn:aws:iam::{}:role/deploy", r.digits(12)),
    ));
    // More hashes and encoded non-secrets.
    let sha1 = r.s(gen::HEX, 40);
    v.push(neg_raw(
        format!("  resolved \"https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#{sha1}\""),
        sha1,
    ));
    let sri = format!("sha1-{}", b64(&r.bytes(20), false, true));
    v.push(neg_raw(format!("  integrity {sri}"), sri));
    let h = r.s(gen::HEX, 64);
    v.push(neg_raw(format!("            \"sha256:{h}\","), h));
    v.push(neg("AWS_SECRET_ACCESS_KEY", r.s(gen::HEX, 40)));
    v.push(neg("commit", r.s(gen::HEX, 40)));
    v.push(neg("rev", r.s(gen::HEX, 40)));
    v.push(neg("session_id", uuid(r)));
    v.push(neg("PublicKey", b64(&r.bytes(32), false, true)));
    v.push(neg("password", "cGFzc3dvcmQ=".into()));
    v.push(neg(
        "icon",
        format!("data:image/png;base64,iVBORw0KGgo{}", r.s(gen::B64, 300)),
    ));
    v
}
