//! TEMPORARY shim until the decoders land.
mod token;
pub use token::{bound_by_commit, offline, Token};
pub mod jwt {
    pub struct Jwt {
        pub exp: Option<i64>,
        pub iss: Option<String>,
        pub role: Option<String>,
    }
    pub fn claims(_: &str) -> Option<Jwt> {
        None
    }
}
pub mod macaroon {
    pub enum PypiScope {
        Account,
        Projects(Vec<String>),
        ProjectIds(Vec<String>),
        TrustedPublisher,
        Unrestricted,
    }
    pub struct Pypi {
        pub scope: PypiScope,
        pub expires_at: Option<i64>,
    }
    pub fn pypi(_: &str) -> Option<Pypi> {
        None
    }
}
pub mod sas {
    pub struct Sas {
        pub expires_at: Option<i64>,
        pub permission_names: Vec<&'static str>,
        pub stored_policy: bool,
    }
    pub fn parse(_: &str) -> Option<Sas> {
        None
    }
}
pub mod aws {
    pub fn account_id(_: &str) -> Option<String> {
        None
    }
    pub fn key_class(_: &str) -> Option<(&'static str, &'static str)> {
        None
    }
}
pub fn iso(s: i64) -> String {
    s.to_string()
}
