//! The keyword prefilter: finds which rules' keywords occur in a blob, so a blob runs only
//! the regexes whose keywords occur in it (and most blobs run none).
//!
//! Keywords match ASCII case-insensitively anywhere, overlapping occurrences included. The
//! fast path is a 4-gram filter: every position's next four bytes, case-folded by OR-ing
//! 0x20 (a superset of ASCII lower-casing), are hashed into a 1 Mibit bitmap that holds one
//! 4-gram of every keyword: the one least likely in ordinary code ([`rare_gram`]: `leio` of
//! `fileio`, not `file`), and for a three-byte keyword its three bytes followed by each of the
//! 128 folded bytes. One lookup a position, eight positions a branch; a set bit sends the
//! position to an exact check of the keywords that hold that gram, at their offsets.
//! Keywords of one or two bytes are searched with `memchr` on their last byte. It needs no
//! lower-cased copy of the blob and no SIMD; the Aho-Corasick DFA remains the fallback for
//! keyword sets too big for the bitmap.
//!
//! Measured on cargo's sources (44 MB in memory, one thread, 1125 keywords of 591 rules):
//! keyed on each keyword's first four bytes with a second lookup for three-byte keywords,
//! 358 ms; one lookup and rare grams, 128-143 ms (the 132 rules before: 123-125 ms). A 2^18
//! bitmap was 10-20% slower (more false candidates), 2^19 in between.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// log2 of the bitmap's size in bits (128 KiB: in L2; see the module's figures).
const BITMAP_LOG: u32 = 20;
/// More bitmap entries than 1/32 of its bits and false candidates get too frequent: use the
/// DFA.
const MAX_BITMAP_ENTRIES: usize = (1 << BITMAP_LOG) / 32;
/// Keywords of one or two bytes each cost a `memchr` pass; more than this, use the DFA.
const MAX_TINY_KEYWORDS: usize = 4;
const FOLD32: u32 = 0x2020_2020;
const FOLD64: u64 = 0x2020_2020_2020_2020;
const MUL: u32 = 0x9E37_79B1;

pub struct Prefilter {
    /// The distinct keywords, lower-cased.
    keywords: Vec<Vec<u8>>,
    /// For each keyword, the rules that use it.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules with no keyword (or an empty one): they run on every blob.
    always: Vec<usize>,
    rule_count: usize,
    search: Search,
}

enum Search {
    /// No keyword at all.
    Nothing,
    Grams(Box<Grams>),
    /// Overlapping matches, so every keyword reports.
    Dfa(AhoCorasick),
}

struct Grams {
    bitmap: Box<[u64; 1 << (BITMAP_LOG - 6)]>,
    /// Folded 4-gram → the keywords it picks, each with the gram's offset in the keyword.
    index: GramIndex,
    /// Keywords of one or two bytes.
    tiny: Vec<usize>,
    /// Per keyword: its first (up to) eight bytes folded, and the mask of those bytes, for a
    /// one-load rejection before the exact comparison.
    quick: Vec<(u64, u64)>,
}

/// Folded gram → `(keyword, offset)` entries: an open-addressing table of gram → range.
struct GramIndex {
    /// `(gram, first entry, entry count)`; a count of 0 is an empty slot.
    slots: Vec<(u32, u32, u32)>,
    entries: Vec<(u32, u32)>,
    mask: usize,
    /// log2 of the slot count: a gram's home slot is the top bits of its hash (the low
    /// bits of a product depend on the low bytes alone).
    log: u32,
}

#[inline(always)]
fn hash(gram: u32) -> u32 {
    gram.wrapping_mul(MUL)
}

#[inline(always)]
fn fold(gram: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w[..gram.len()].copy_from_slice(gram);
    u32::from_le_bytes(w) | FOLD32
}

impl GramIndex {
    /// `items`: `(gram, keyword, offset)`.
    fn new(mut items: Vec<(u32, u32, u32)>) -> Self {
        items.sort_unstable();
        items.dedup();
        let log = (items.len() * 2)
            .next_power_of_two()
            .max(16)
            .trailing_zeros();
        let size = 1usize << log;
        let mask = size - 1;
        let mut slots = vec![(0u32, 0u32, 0u32); size];
        let mut entries = Vec::with_capacity(items.len());
        let mut i = 0;
        while i < items.len() {
            let gram = items[i].0;
            let first = entries.len() as u32;
            while i < items.len() && items[i].0 == gram {
                entries.push((items[i].1, items[i].2));
                i += 1;
            }
            let mut s = (hash(gram) >> (32 - log)) as usize;
            while slots[s].2 != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = (gram, first, entries.len() as u32 - first);
        }
        GramIndex {
            slots,
            entries,
            mask,
            log,
        }
    }

    /// The `(keyword, offset)` entries of `gram` (none for a bitmap false positive).
    #[inline]
    fn get(&self, gram: u32) -> &[(u32, u32)] {
        let mut s = (hash(gram) >> (32 - self.log)) as usize;
        loop {
            let (g, first, count) = self.slots[s];
            if count == 0 {
                return &[];
            }
            if g == gram {
                return &self.entries[first as usize..(first + count) as usize];
            }
            s = (s + 1) & self.mask;
        }
    }
}

impl Grams {
    fn new(keywords: &[Vec<u8>]) -> Option<Self> {
        let mut items = Vec::new();
        let mut tiny = Vec::new();
        for (id, kw) in keywords.iter().enumerate() {
            let id = id as u32;
            match kw.len() {
                0 => {}
                1 | 2 => tiny.push(id as usize),
                // A three-byte keyword goes in with every folded fourth byte (bit 5 set: 128
                // of them), so each position costs one lookup; the end of a blob is padded
                // with bytes that fold to a space.
                3 => {
                    let g = fold(kw);
                    for b in 0u32..256 {
                        if b & 0x20 != 0 {
                            items.push(((g & 0x00FF_FFFF) | (b << 24), id, 0));
                        }
                    }
                }
                _ => {
                    let at = rare_gram(kw);
                    items.push((fold(&kw[at..at + 4]), id, at as u32));
                }
            }
        }
        let mut grams: Vec<u32> = items.iter().map(|&(g, _, _)| g).collect();
        grams.sort_unstable();
        grams.dedup();
        if grams.len() > MAX_BITMAP_ENTRIES || tiny.len() > MAX_TINY_KEYWORDS {
            return None;
        }
        let mut bitmap = Box::new([0u64; 1 << (BITMAP_LOG - 6)]);
        for g in grams {
            let h = hash(g) >> (32 - BITMAP_LOG);
            bitmap[(h >> 6) as usize] |= 1 << (h & 63);
        }
        let quick = keywords
            .iter()
            .map(|kw| {
                let n = kw.len().min(8);
                let mut w = [0u8; 8];
                w[..n].copy_from_slice(&kw[..n]);
                let mask = if n == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * n)) - 1
                };
                ((u64::from_le_bytes(w) | FOLD64) & mask, mask)
            })
            .collect();
        Some(Grams {
            bitmap,
            index: GramIndex::new(items),
            tiny,
            quick,
        })
    }

    /// Whether the folded 4-gram `w` may be a keyword's gram: 1 or 0.
    #[inline(always)]
    fn bit(&self, g: u32) -> u32 {
        let h = hash(g) >> (32 - BITMAP_LOG);
        (self.bitmap[(h >> 6) as usize] >> (h & 63)) as u32 & 1
    }
}

/// The offset of the 4-gram a keyword is found by: the one least likely to occur in code
/// that holds no such keyword, so that few positions need the exact check. A gram scores
/// worse the more [`COMMON_WORDS`] hold it, and by its bytes: a space or common punctuation
/// worst, then the frequent letters of English, then the rare ones, digits and the rest.
fn rare_gram(kw: &[u8]) -> usize {
    let byte = |b: u8| -> u32 {
        match b.to_ascii_lowercase() {
            b' ' => 6,
            b'.' | b'_' | b'/' | b':' | b'=' | b'-' | b'"' | b'\'' | b',' => 3,
            b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' | b'l' => 3,
            b'd' | b'c' | b'u' | b'm' | b'f' | b'p' | b'g' | b'w' | b'y' | b'b' => 2,
            _ => 1,
        }
    };
    let words = common_grams();
    let score = |g: &[u8]| -> u32 {
        6 * words.get(&fold(g)).copied().unwrap_or(0) + g.iter().map(|&b| byte(b)).sum::<u32>()
    };
    (0..=kw.len() - 4)
        .min_by_key(|&at| (score(&kw[at..at + 4]), std::cmp::Reverse(at)))
        .unwrap_or(0)
}

/// Folded 4-gram → how many of [`COMMON_WORDS`] hold it.
fn common_grams() -> &'static HashMap<u32, u32> {
    static GRAMS: std::sync::OnceLock<HashMap<u32, u32>> = std::sync::OnceLock::new();
    GRAMS.get_or_init(|| {
        let mut counts = HashMap::new();
        for word in COMMON_WORDS.split_ascii_whitespace() {
            let mut grams: Vec<u32> = word.as_bytes().windows(4).map(fold).collect();
            grams.sort_unstable();
            grams.dedup();
            for g in grams {
                *counts.entry(g).or_insert(0) += 1;
            }
        }
        counts
    })
}

/// Words common in source code and its prose: a keyword's gram inside one of them would
/// send many positions of ordinary code to the exact check.
const COMMON_WORDS: &str = "
    file files filename profile test tests testing package packages root depend dependency
    dependencies http https config configure configuration confirm conflict data database
    date code codes encode decode content contents context continue contain container control
    contrib contribute form format formatter information platform perform check checked
    checkout github gitlab assert assets assemble assembly comment command commit common
    community commerce table value values state status static statement station line lines
    online pipeline true html link links linked request require required requires get_ set_
    load loader loading download upload init initial initialize internal interface integer
    integration auth author authorization authenticate authentication help helper
    message messages token tokens variable variables various position positions thing things
    think night finish final finally finite find mandatory demand string return function
    public private import export default include index error errors option options result
    number object class struct module version source target build server service services
    client account access address update create delete remove insert select query search
    system user users name type types list path paths pattern patch param parameter process
    project property program provider response report resource runtime script secret session
    setting settings storage stream support switch thread timeout unique window write read
    reader writer event events handle handler label layout length level local lock manager
    match memory method model network node output input parse parser point print record
    register release render route router sample schema scope send sender shared short single
    size sort space special stack start store strict style subject success template text time
    title tool track tracker transfer tree trigger unit valid validate view visit warning
    worker workspace the that this with from have will which there their other about would
    should could when what where while each some more also only into than then them these
    those been being here make made like just over such after before between under because
    through using used uses example examples note notes description license copyright rust
    cargo crate crates main self impl enum trait async await loop break const unsafe macro
    println format vec option some none ok err box string new from into iter next collect
    clone debug display write fmt hash map key keys api apis app apps web client cloud email
    mail phone image images video audio media page pages site sites blog post posts news
    stat stats metric metrics monitor alert alerts log logs logger logging trace tracing
    deploy deployment cluster docker image kube kubernetes helm chart charts terraform
    ansible bucket region zone host hosts port ports proxy socket connect connection
    channel channels notify notification webhook hook hooks pay payment payments invoice
    order orders cart shop store product products price customer customers finance
    .toml .com .org .net .json .yaml .html https:// http:// ----- test_ _test private_
    credential token uptime stack
    ";
/// A keyword occurrence: its start in the blob and the keyword's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub at: usize,
    pub keyword: usize,
}

/// At most this many occurrences are kept per blob (16 bytes each); past it the blob is
/// [`Hits::dense`] and the engine searches it whole, as it would without positions.
const MAX_HITS: usize = 1 << 20;

/// Every keyword occurrence of one blob, in the order found (not sorted).
#[derive(Default, Debug)]
pub struct Hits {
    pub list: Vec<Hit>,
    /// More than [`MAX_HITS`] occurrences: `list` is incomplete.
    pub dense: bool,
    /// Per keyword: found in this blob already (its rules are selected).
    seen: Vec<bool>,
    /// The selected rules, in the order they were selected (each once).
    pub rules: Vec<usize>,
}

/// The eight bytes at `at`, little-endian.
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// What a scan reports to: every occurrence, and the rules its keyword selects.
struct Select<'a> {
    keyword_rules: &'a [Vec<usize>],
    selected: &'a mut [bool],
    hits: &'a mut Hits,
}

impl Select<'_> {
    fn found(&mut self, kw: usize, at: usize) {
        if self.hits.list.len() < MAX_HITS {
            self.hits.list.push(Hit { at, keyword: kw });
        } else {
            self.hits.dense = true;
        }
        if std::mem::replace(&mut self.hits.seen[kw], true) {
            return;
        }
        for &r in &self.keyword_rules[kw] {
            if !self.selected[r] {
                self.selected[r] = true;
                self.hits.rules.push(r);
            }
        }
    }
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`. Keywords match ASCII case-insensitively.
    pub fn new(keywords: &[&[String]]) -> Self {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (rule, kws) in keywords.iter().enumerate() {
            // An empty keyword occurs in every blob, the empty one included.
            if kws.is_empty() || kws.iter().any(|k| k.is_empty()) {
                always.push(rule);
                continue;
            }
            for kw in kws.iter() {
                let key = kw.as_bytes().to_ascii_lowercase();
                let id = *index.entry(key.clone()).or_insert_with(|| {
                    patterns.push(key);
                    keyword_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !keyword_rules[id].contains(&rule) {
                    keyword_rules[id].push(rule);
                }
            }
        }
        let search = if patterns.is_empty() {
            Search::Nothing
        } else if let Some(grams) = Grams::new(&patterns) {
            Search::Grams(Box::new(grams))
        } else {
            // The fallback, a full DFA: with a couple of hundred case-insensitive keywords no
            // literal prefilter of the crate applies, and the DFA scans real code 2.6x faster
            // than the NFA the builder picks by default (675 vs 255 MB/s a core on cargo's
            // sources); it costs a few hundred KiB.
            match AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
            {
                Ok(ac) => Search::Dfa(ac),
                // Too big even for Aho-Corasick: every rule runs.
                Err(_) => {
                    always = (0..keywords.len()).collect();
                    Search::Nothing
                }
            }
        };
        Prefilter {
            keywords: patterns,
            keyword_rules,
            always,
            rule_count: keywords.len(),
            search,
        }
    }

    /// Marks in `selected` (one flag a rule) the rules to run on `bytes`, and returns how many.
    pub fn select(&self, bytes: &[u8], selected: &mut Vec<bool>) -> usize {
        self.select_hits(bytes, selected, &mut Hits::default())
    }

    /// As [`Prefilter::select`], and puts every keyword occurrence (overlapping ones
    /// included) in `hits`.
    pub fn select_hits(&self, bytes: &[u8], selected: &mut Vec<bool>, hits: &mut Hits) -> usize {
        selected.clear();
        selected.resize(self.rule_count, false);
        hits.list.clear();
        hits.dense = false;
        hits.seen.clear();
        hits.seen.resize(self.keywords.len(), false);
        hits.rules.clear();
        for &r in &self.always {
            selected[r] = true;
        }
        hits.rules.extend_from_slice(&self.always);
        let mut sink = Select {
            keyword_rules: &self.keyword_rules,
            selected,
            hits,
        };
        self.scan(bytes, &mut sink);
        hits.rules.len()
    }

    /// The keyword with id `kw`, lower-cased.
    pub fn keyword(&self, kw: usize) -> &[u8] {
        &self.keywords[kw]
    }

    /// The rules that keyword `kw` selects.
    pub fn keyword_rules(&self, kw: usize) -> &[usize] {
        &self.keyword_rules[kw]
    }

    /// Reports every keyword occurrence to `sink`.
    fn scan(&self, bytes: &[u8], sink: &mut Select) {
        match &self.search {
            Search::Nothing => {}
            Search::Dfa(ac) => {
                for m in ac.find_overlapping_iter(bytes) {
                    sink.found(m.pattern().as_usize(), m.start());
                }
            }
            Search::Grams(g) => self.scan_grams(g, bytes, sink),
        }
    }

    fn scan_grams(&self, g: &Grams, bytes: &[u8], sink: &mut Select) {
        for &kw in &g.tiny {
            self.find_tiny(kw, bytes, sink);
        }
        let n = bytes.len();
        let mut i = 0;
        // Eight positions per two 8-byte loads, one bitmap lookup each, and one branch for
        // the eight: most blocks of code hold no keyword's gram.
        while i + 12 <= n {
            let x = load(bytes, i) | FOLD64;
            let y = load(bytes, i + 4) | FOLD64;
            let m = g.bit(x as u32)
                | g.bit((x >> 8) as u32) << 1
                | g.bit((x >> 16) as u32) << 2
                | g.bit((x >> 24) as u32) << 3
                | g.bit(y as u32) << 4
                | g.bit((y >> 8) as u32) << 5
                | g.bit((y >> 16) as u32) << 6
                | g.bit((y >> 24) as u32) << 7;
            if m != 0 {
                let mut m = m;
                while m != 0 {
                    let k = m.trailing_zeros() as usize;
                    let w = if k < 4 {
                        x >> (8 * k)
                    } else {
                        y >> (8 * (k - 4))
                    } as u32;
                    self.verify(g, bytes, i + k, w, sink);
                    m &= m - 1;
                }
            }
            i += 8;
        }
        // The last positions (fewer than 12), from a copy padded with zeros, which fold to
        // spaces (three-byte keywords are entered with a following space too).
        let mut tail = [0u8; 16];
        tail[..n - i].copy_from_slice(&bytes[i..]);
        for k in 0..n - i {
            let w = fold(&tail[k..k + 4]);
            if g.bit(w) != 0 {
                self.verify(g, bytes, i + k, w, sink);
            }
        }
    }

    /// Checks the keywords whose gram may be at `at`, where the folded 4-gram is `w`.
    #[inline(never)]
    fn verify(&self, g: &Grams, bytes: &[u8], at: usize, w: u32, sink: &mut Select) {
        for &(kw, offset) in g.index.get(w) {
            let (kw, offset) = (kw as usize, offset as usize);
            let Some(start) = at.checked_sub(offset) else {
                continue;
            };
            let k = &self.keywords[kw];
            let Some(found) = bytes.get(start..start + k.len()) else {
                continue;
            };
            if start + 8 <= bytes.len() {
                let (want, mask) = g.quick[kw];
                if (load(bytes, start) | FOLD64) & mask != want {
                    continue;
                }
            }
            if found.eq_ignore_ascii_case(k) {
                sink.found(kw, start);
            }
        }
    }

    /// Every occurrence of the one- or two-byte keyword `kw`.
    fn find_tiny(&self, kw: usize, bytes: &[u8], sink: &mut Select) {
        let k = &self.keywords[kw];
        let last = k[k.len() - 1];
        let before = k.len() - 1;
        for j in memchr::memchr2_iter(last, last.to_ascii_uppercase(), bytes) {
            if j >= before && bytes[j - before..j].eq_ignore_ascii_case(&k[..before]) {
                sink.found(kw, j - before);
            }
        }
    }
}

#[cfg(test)]
mod tests;
