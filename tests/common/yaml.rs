//! Reading the YAML the project ships (workflows, the action, templates) in tests: a missing
//! key or a value of the wrong kind fails the test, naming it.

use serde_yaml_ng::Value as Yaml;

/// `v[key]`, which must be there.
pub fn get<'a>(v: &'a Yaml, key: &str) -> &'a Yaml {
    v.get(key)
        .unwrap_or_else(|| panic!("`{key}` is missing from {v:?}"))
}

/// `v[key]` as a string, which must be one.
pub fn text<'a>(v: &'a Yaml, key: &str) -> &'a str {
    get(v, key)
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {v:?}"))
}
