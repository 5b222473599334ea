//! The benchmark's output: one table on stdout, the same figures as JSON.

use serde::Serialize;
use std::path::Path;

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    /// Repeated calls: median and 95th percentile, in milliseconds.
    Millis { p50: f64, p95: f64, runs: usize },
    /// One run, in seconds.
    Seconds { seconds: f64 },
    /// Throughput, per second.
    Rate { per_second: f64 },
}

impl Figure {
    fn text(&self) -> String {
        match self {
            Self::Millis { p50, p95, .. } => format!("p50 {p50:.2} ms, p95 {p95:.2} ms"),
            Self::Seconds { seconds } => format!("{seconds:.2} s"),
            Self::Rate { per_second } => format!("{per_second:.0}/s"),
        }
    }
}

/// One operation's line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub operation: String,
    pub ours: Figure,
    pub raw: Option<Figure>,
    /// ours / raw (p50 for repeated calls; time for one-off runs; raw rate /
    /// our rate for throughput, so above 1 always means slower than raw).
    pub ratio: Option<f64>,
    pub target: String,
    /// `None`: no target is set, the figure is recorded.
    pub met: Option<bool>,
    pub peak_rss_mb: Option<f64>,
}

impl Line {
    /// Repeated calls judged by their p95 against `limit_ms`.
    pub fn timed(
        operation: &str,
        ours: &crate::stats::Samples,
        raw: Option<&crate::stats::Samples>,
        target: &str,
        limit_ms: f64,
    ) -> Self {
        Self {
            operation: operation.into(),
            ours: Figure::Millis {
                p50: ours.p50(),
                p95: ours.p95(),
                runs: ours.len(),
            },
            raw: raw.map(|r| Figure::Millis {
                p50: r.p50(),
                p95: r.p95(),
                runs: r.len(),
            }),
            ratio: raw.map(|r| ours.p50() / r.p50()),
            target: target.into(),
            met: Some(ours.p95() < limit_ms),
            peak_rss_mb: crate::stats::peak_rss_mb(),
        }
    }

    /// As `timed`, also judged by the ratio to raw.
    pub fn compared(
        operation: &str,
        ours: &crate::stats::Samples,
        raw: &crate::stats::Samples,
        target: &str,
        limit_ms: f64,
        ratio_limit: f64,
    ) -> Self {
        let mut line = Self::timed(operation, ours, Some(raw), target, limit_ms);
        line.met = Some(line.met == Some(true) && line.ratio.is_some_and(|r| r < ratio_limit));
        line
    }

    /// One run judged against `limit_s`.
    pub fn once(operation: &str, seconds: f64, target: &str, limit_s: f64) -> Self {
        Self {
            operation: operation.into(),
            ours: Figure::Seconds { seconds },
            raw: None,
            ratio: None,
            target: target.into(),
            met: Some(seconds < limit_s),
            peak_rss_mb: None,
        }
    }

    /// One run with no target: the time is recorded.
    pub fn recorded(operation: &str, seconds: f64) -> Self {
        Self {
            operation: operation.into(),
            ours: Figure::Seconds { seconds },
            raw: None,
            ratio: None,
            target: "none set: recorded".into(),
            met: None,
            peak_rss_mb: crate::stats::peak_rss_mb(),
        }
    }

    /// Throughput judged against `at_least` per second.
    pub fn rate(operation: &str, ours: f64, raw: f64, target: &str, at_least: f64) -> Self {
        Self {
            operation: operation.into(),
            ours: Figure::Rate { per_second: ours },
            raw: Some(Figure::Rate { per_second: raw }),
            ratio: Some(raw / ours),
            target: target.into(),
            met: Some(ours > at_least),
            peak_rss_mb: crate::stats::peak_rss_mb(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub date: String,
    pub commit: String,
    pub leads: u64,
    pub database_built_now: bool,
    pub database_mb: f64,
    pub database_mb_per_100k_leads: f64,
    pub lines: Vec<Line>,
}

impl Report {
    pub fn new(leads: u64, built: bool, db_bytes: u64, lines: Vec<Line>) -> Self {
        let mb = db_bytes as f64 / 1_048_576.0;
        Self {
            date: leadlight_core::Timestamp::from_millis(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or_default(),
            )
            .to_utc()
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
            commit: std::process::Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default(),
            leads,
            database_built_now: built,
            database_mb: mb,
            database_mb_per_100k_leads: mb / leads.max(1) as f64 * 100_000.0,
            lines,
        }
    }

    /// The table, as Markdown (pasted into BENCHMARKS.md as is).
    pub fn print(&self) {
        let mut out = format!(
            "\n{} leads, commit {}, {}; database {:.0} MB ({:.0} MB per 100k leads)\n\n\
             | operation | ours | raw SQLite | ours / raw | target | met | peak RSS |\n\
             | --- | --- | --- | --- | --- | --- | --- |\n",
            self.leads, self.commit, self.date, self.database_mb, self.database_mb_per_100k_leads
        );
        for line in &self.lines {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                line.operation,
                line.ours.text(),
                line.raw
                    .as_ref()
                    .map(Figure::text)
                    .unwrap_or_else(|| "–".into()),
                line.ratio
                    .map(|r| format!("{r:.2}"))
                    .unwrap_or_else(|| "–".into()),
                line.target,
                match line.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "–",
                },
                line.peak_rss_mb
                    .map(|m| format!("{m:.0} MB"))
                    .unwrap_or_else(|| "–".into()),
            ));
        }
        #[allow(clippy::print_stdout)]
        {
            print!("{out}");
        }
    }

    pub fn write(&self, file: &Path) -> Result<(), String> {
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(file, json).map_err(|e| e.to_string())
    }
}
