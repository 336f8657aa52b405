//! Engine throughput in MB/s over seeded generated corpora: code without keywords,
//! keyword-dense code, minified JavaScript with very long lines, and binary bytes. Each is
//! measured for the prefilter alone and for the whole engine with the built-in rules.
//!
//! Run: `cargo bench --bench engine` (add `-- --quick` for a fast pass).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use leakscan::engine::{validate::make_crc32_token, Engine, Scratch};
// The shared seeded generator, so corpora are identical across runs.
use leakscan::testing::Rng;
use std::hint::black_box;

const SIZE: usize = 8 << 20;

const WORDS: &[&str] = &[
    "fn", "let", "mut", "self", "match", "impl", "struct", "return", "value", "buffer", "index",
    "config", "parse", "error", "result", "option", "vector", "string", "layout", "render",
    "handle", "stream", "count", "offset", "length", "module", "package", "import", "export",
];

/// Source code and prose with no rule keyword: the common case, where only the prefilter runs.
fn plain_code(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::with_capacity(SIZE + 256);
    while s.len() < SIZE {
        let indent = rng.below(4) * 4;
        s.push_str(&" ".repeat(indent));
        for _ in 0..(3 + rng.below(9)) {
            let word = *rng.pick(WORDS);
            s.push_str(word);
            s.push(if rng.below(5) == 0 { '(' } else { ' ' });
        }
        s.push_str(";\n");
    }
    s.into_bytes()
}

/// Code full of keywords and near-misses, with a real (fake) token now and then.
fn keyword_dense(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::with_capacity(SIZE + 256);
    let mut n = 0u64;
    while s.len() < SIZE {
        n += 1;
        match rng.below(6) {
            0 => s.push_str(&format!("token = \"ghp_{}\"\n", rng.base62(36))),
            1 => s.push_str(&format!(
                "aws_key = \"AKIA{}\"\n",
                rng.base62(16).to_uppercase()
            )),
            2 => s.push_str(&format!("npm_config_{} = true\n", rng.pick(WORDS))),
            3 if n.is_multiple_of(50) => s.push_str(&format!(
                "GITHUB_TOKEN={}\n",
                make_crc32_token("ghp_", &rng.base62(30))
            )),
            _ => s.push_str(&format!(
                "let {} = {}({});\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS)
            )),
        }
    }
    s.into_bytes()
}

/// Minified JavaScript: lines of a megabyte, a keyword here and there.
fn minified_js(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::with_capacity(SIZE + 256);
    while s.len() < SIZE {
        for _ in 0..20_000 {
            s.push_str(&format!(
                "var {}={}.{}(\"{}\");",
                rng.base62(2),
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.base62(8)
            ));
            if rng.below(2000) == 0 {
                s.push_str("t=\"npm_package_version\";");
            }
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// Random bytes (compressed or executable content).
fn binary(rng: &mut Rng) -> Vec<u8> {
    let mut v = Vec::with_capacity(SIZE);
    while v.len() < SIZE {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(leakscan::rules::builtin().expect("built-in rules"));
    let mut rng = Rng::new(0x5EED_1EA4_5CA7_0001);
    let corpora: Vec<(&str, Vec<u8>)> = vec![
        ("plain-code", plain_code(&mut rng)),
        ("keyword-dense", keyword_dense(&mut rng)),
        ("minified-js", minified_js(&mut rng)),
        ("binary", binary(&mut rng)),
    ];
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for (name, data) in &corpora {
        group.throughput(Throughput::Bytes(data.len() as u64));
        let mut scratch = Scratch::default();
        group.bench_with_input(BenchmarkId::new("prefilter", name), data, |b, d| {
            b.iter(|| black_box(engine.prefilter_select(black_box(d), &mut scratch)))
        });
        group.bench_with_input(BenchmarkId::new("full", name), data, |b, d| {
            b.iter(|| black_box(engine.scan(black_box(d), &mut scratch).matches.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
