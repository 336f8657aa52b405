//! The streaming reader of baseline documents: serde visitors that walk a JSON array of
//! findings, one finding object, or a SARIF log, and hand each fingerprint to [`Collect`]
//! as the parser meets it, never building a tree.

use super::{Collect, Fingerprint};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value of a known role in a baseline, read as the parser goes (no tree is built):
/// objects go to `map`, arrays to `seq`, strings to `str`, and anything else, or an object or
/// array the role has no use for (skipped), to `other`.
pub(super) trait Node: Sized {
    type Out;

    fn other(self) -> Self::Out;

    fn str(self, _: &str) -> Self::Out {
        self.other()
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.other())
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.other())
    }
}

/// Reads one value of any type for a [`Node`].
pub(super) struct Seed<N>(pub(super) N);

impl<'de, N: Node> DeserializeSeed<'de> for Seed<N> {
    type Value = N::Out;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<N::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, N: Node> Visitor<'de> for Seed<N> {
    type Value = N::Out;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_unit<E: de::Error>(self) -> Result<N::Out, E> {
        Ok(self.0.other())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<N::Out, E> {
        Ok(self.0.str(s))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<N::Out, A::Error> {
        self.0.map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<N::Out, A::Error> {
        self.0.seq(seq)
    }
}

/// An object key, read without copying it: its index in the names wanted, if there.
struct Key<'k>(&'k [&'k str]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|&k| k == s))
    }
}

/// The whole document: an array of findings, a SARIF log (an object with `runs`), or one
/// finding.
pub(super) struct Document<'c>(pub(super) &'c mut Collect);

impl Node for Document<'_> {
    type Out = ();

    fn other(self) {
        self.0
            .fail(|| "expected a JSON array of findings".to_string());
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(fp) = seq.next_element_seed(Seed(FINDING))? {
            n += 1;
            match fp {
                Some(fp) => self.0.add(fp),
                None => self
                    .0
                    .fail(|| format!("finding {n} has no \"fingerprint\" string")),
            }
        }
        Ok(())
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut sarif, mut single) = (false, None);
        while let Some(key) = map.next_key_seed(Key(&["runs", "fingerprint"]))? {
            match key {
                Some(0) => {
                    sarif = true;
                    map.next_value_seed(Seed(Runs(&mut *self.0)))?;
                }
                Some(_) => {
                    single = map.next_value_seed(Seed(FingerprintString { empty: false }))?
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !sarif {
            match single {
                Some(fp) => self.0.add(fp),
                None => self
                    .0
                    .fail(|| "the object has no \"fingerprint\" string".to_string()),
            }
        }
        Ok(())
    }
}

/// A finding: its `fingerprint`, a non-empty string.
pub(super) const FINDING: InObject<FingerprintString> = InObject {
    key: "fingerprint",
    then: FingerprintString { empty: false },
};

/// A fingerprint's string (`empty`: an empty one counts).
#[derive(Clone, Copy)]
pub(super) struct FingerprintString {
    empty: bool,
}

impl Node for FingerprintString {
    type Out = Option<Fingerprint>;

    fn other(self) -> Option<Fingerprint> {
        None
    }

    fn str(self, s: &str) -> Option<Fingerprint> {
        (self.empty || !s.is_empty()).then(|| Fingerprint::new(s))
    }
}

/// SARIF `runs`: an array of runs.
struct Runs<'c>(&'c mut Collect);

impl Node for Runs<'_> {
    type Out = ();

    fn other(self) {
        self.0.fail(|| "SARIF `runs` is not an array".to_string());
    }

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Seed(Run(&mut *self.0)))?.is_some() {}
        Ok(())
    }
}

/// A SARIF run: its `results`, when they are an array.
struct Run<'c>(&'c mut Collect);

impl Node for Run<'_> {
    type Out = ();

    fn other(self) {}

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key(&["results"]))? {
            match key {
                Some(_) => map.next_value_seed(Seed(Results(&mut *self.0)))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// SARIF results: each must carry `partialFingerprints."leakscan/v1"`.
struct Results<'c>(&'c mut Collect);

impl Node for Results<'_> {
    type Out = ();

    fn other(self) {}

    fn seq<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(fp) = seq.next_element_seed(Seed(InObject {
            key: "partialFingerprints",
            then: InObject {
                key: "leakscan/v1",
                then: FingerprintString { empty: true },
            },
        }))? {
            match fp {
                Some(fp) => self.0.add(fp),
                None => self.0.fail(|| {
                    "a SARIF result has no partialFingerprints.\"leakscan/v1\"".to_string()
                }),
            }
        }
        Ok(())
    }
}

/// The value at `key` of an object, read as `then` (the last, if the key repeats).
#[derive(Clone, Copy)]
pub(super) struct InObject<N> {
    key: &'static str,
    then: N,
}

impl<N: Node<Out = Option<Fingerprint>> + Copy> Node for InObject<N> {
    type Out = Option<Fingerprint>;

    fn other(self) -> Option<Fingerprint> {
        None
    }

    fn map<'de, A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Fingerprint>, A::Error> {
        let mut fp = None;
        while let Some(key) = map.next_key_seed(Key(std::slice::from_ref(&self.key)))? {
            match key {
                Some(_) => fp = map.next_value_seed(Seed(self.then))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fp)
    }
}
