//! The command line's choice of rules (`--rule`, `--disable-rule`), on top of the config's
//! `disabled_rules`: exact ids, or prefixes ending in `*` (`github-*`).

use super::Rule;

/// `rules` less what `disabled` names, and only what `only` names if it names anything. A
/// pattern that names no rule is an error: a typo must not silently scan with nothing, or
/// with everything.
pub fn select(rules: Vec<Rule>, only: &[String], disabled: &[String]) -> Result<Vec<Rule>, String> {
    let hits = |pattern: &str, id: &str| match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => id == pattern,
    };
    for (flag, patterns) in [("--rule", only), ("--disable-rule", disabled)] {
        for p in patterns {
            if !rules.iter().any(|r| hits(p, &r.id)) {
                return Err(format!(
                    "{flag} {p}: no rule in force has that id; `leakscan rules list` shows them"
                ));
            }
        }
    }
    let kept: Vec<Rule> = rules
        .into_iter()
        .filter(|r| only.is_empty() || only.iter().any(|p| hits(p, &r.id)))
        .filter(|r| !disabled.iter().any(|p| hits(p, &r.id)))
        .collect();
    if kept.is_empty() {
        return Err("--rule and --disable-rule leave no rule to run".to_string());
    }
    Ok(kept)
}
