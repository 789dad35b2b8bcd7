//! Search latency over every bundled catalog: `cargo bench -p counter-core --bench search`.
//! Prints median and p99 per query kind; asserts nothing (machines are noisy).

use std::time::Instant;

use counter_core::{bundled, SearchIndex};

fn main() {
    let set = bundled::catalogs().expect("bundled catalogs load");
    let t = Instant::now();
    let index = SearchIndex::new(&set);
    let items: usize = set
        .catalogs
        .iter()
        .map(|c| c.items.len() + c.bundles.len())
        .sum();
    println!(
        "index: {} catalogs, {items} entries, built in {:.2} ms",
        set.catalogs.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let queries = [
        ("pinyin initials", "zyfy"),
        ("full pinyin", "zhuyuanfeiyong"),
        ("name substring", "异地就医"),
        ("code prefix", "002036006"),
        ("note keyword", "五证合一"),
        ("miss", "qqqqzzzz"),
    ];
    let rounds = 2000;
    println!(
        "{:<16} {:>8} {:>10} {:>10}",
        "query", "hits", "median µs", "p99 µs"
    );
    for (label, q) in queries {
        let mut samples = Vec::with_capacity(rounds);
        let mut hits = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            hits = std::hint::black_box(index.search(std::hint::black_box(q), None)).len();
            samples.push(t.elapsed().as_secs_f64() * 1e6);
        }
        samples.sort_by(f64::total_cmp);
        let median = samples[rounds / 2];
        let p99 = samples[rounds * 99 / 100];
        println!("{label:<16} {hits:>8} {median:>10.1} {p99:>10.1}");
    }
}
