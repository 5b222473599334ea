//! Timing and memory: percentiles over repetitions, and the process's peak
//! resident memory (Linux `/proc`; elsewhere not measured).

use std::time::{Duration, Instant};

/// Durations of repeated runs of one operation.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<Duration>);

impl Samples {
    /// Run `work` for each input, timing each call after a warm-up pass; the
    /// first failure stops
    /// run (a failing query would otherwise look fast).
    pub fn over<T, R, E: std::fmt::Display>(
        inputs: &[T],
        mut work: impl FnMut(&T) -> Result<R, E>,
    ) -> Result<Self, String> {
        // One untimed pass first, so neither side is measured on a cache the
        // other warmed (whichever ran second would otherwise look faster).
        for input in inputs {
            std::hint::black_box(work(input).map_err(|e| e.to_string())?);
        }
        let mut samples = Vec::with_capacity(inputs.len());
        for input in inputs {
            let started = Instant::now();
            let result = work(input);
            samples.push(started.elapsed());
            std::hint::black_box(result.map_err(|e| e.to_string())?);
        }
        Ok(Self(samples))
    }

    /// The `p`th percentile (nearest rank), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let mut sorted = self.0.clone();
        sorted.sort();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
        sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1000.0
    }

    pub fn p50(&self) -> f64 {
        self.percentile_ms(50.0)
    }

    pub fn p95(&self) -> f64 {
        self.percentile_ms(95.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Seconds `work` takes once.
pub fn seconds<R>(work: impl FnOnce() -> R) -> (f64, R) {
    let started = Instant::now();
    let result = work();
    (started.elapsed().as_secs_f64(), result)
}

/// Peak resident memory of this process since the last reset, in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Start a new peak-memory window (Linux: writing 5 to clear_refs resets
/// VmHWM to the current resident size).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
