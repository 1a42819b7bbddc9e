//! Work split over the machine's cores: contiguous chunks of a slice, one scoped thread
//! per chunk (at most 8), results in the slice's order. The pure core's passes over many
//! folders or files (building folders, checking files, the version-bump check, judging the
//! files of a burst) use it; nothing here does I/O itself.

/// Threads a pass uses: the available parallelism, at most 8 (2 when unknown).
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8)
}

/// `f` applied to each item of `items`, spread over [`threads`] threads in contiguous
/// chunks; the outputs in the order of `items`. An item whose `f` panics is left out,
/// with an error logged naming `what` (the pass goes on for the others).
pub fn map<'a, T: Sync, R: Send>(
    items: &'a [T],
    what: &str,
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    if items.len() < 2 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads()).max(1);
    let f = &f;
    let mut out = Vec::with_capacity(items.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(_) => tracing::error!("{what}: some items failed internally"),
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            map(&items, "squares", |i| i * i),
            items.iter().map(|i| i * i).collect::<Vec<_>>()
        );
        assert_eq!(map(&[7u8], "one", |i| *i), [7]);
        assert!(map(&[] as &[u8], "none", |i| *i).is_empty());
    }
}
