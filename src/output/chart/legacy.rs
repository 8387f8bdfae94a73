//! Charts: the mean of a metric over months with its 95 % CI band, for one
//! scenario or for several variants on one chart.
//!
//! Fonts come from the DejaVu Sans file compiled into the binary, so charts
//! render on a machine without system fonts.

use crate::output::OutputError;
use crate::output::files::AtomicFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Call `$draw(root, args...)` with a drawing area of the backend the path's
/// extension asks for: SVG for `.svg`, PNG otherwise.
macro_rules! on_backend {
    ($path:expr, $size:expr, $draw:ident($($arg:expr),*)) => {
        if is_svg($path) {
            $draw(SVGBackend::new($path, $size).into_drawing_area(), $($arg),*)
        } else {
            $draw(BitMapBackend::new($path, $size).into_drawing_area(), $($arg),*)
        }
    };
}

use super::ensure_font;

/// The formats every chart is written in: PNG for viewing, SVG for print.
pub const FORMATS: [&str; 2] = ["png", "svg"];

/// Draw one chart as `dir/STEM.EXT` in every one of [`FORMATS`], each into a
/// partial file the caller commits (alone, or with the rest of a study).
pub fn draw_in_every_format(
    dir: &Path,
    stem: &str,
    draw: impl Fn(&Path) -> Result<(), OutputError>,
) -> Result<Vec<AtomicFile>, OutputError> {
    FORMATS
        .iter()
        .map(|ext| {
            let file = AtomicFile::create(&dir.join(format!("{stem}.{ext}")), true)?;
            draw(file.path())?;
            Ok(file)
        })
        .collect()
}

/// One line of a chart: a label and (month, mean, CI low, CI high) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points, month from 1.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Colours of successive series (Okabe–Ito, then Tableau tones): twelve
/// distinct colours before any repeats.
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(140, 86, 75),
    RGBColor(148, 103, 189),
    RGBColor(188, 189, 34),
    RGBColor(127, 127, 127),
    RGBColor(214, 39, 40),
];

/// A point of a series: `x`, the mean and its 95 % CI band (the mean where
/// the CI is undefined).
pub fn band_point(x: f64, s: &crate::stats::Summary) -> (f64, f64, f64, f64) {
    (
        x,
        s.mean,
        s.ci_low.unwrap_or(s.mean),
        s.ci_high.unwrap_or(s.mean),
    )
}

/// The PNG charts among written files (`charts/NAME.png`), for a report.
pub fn pngs(written: &[String]) -> Vec<String> {
    written
        .iter()
        .filter(|f| f.starts_with("charts/") && f.ends_with(".png"))
        .cloned()
        .collect()
}

/// Draw several series of `metric` against `x_desc` (months, or a swept
/// parameter), each with its CI band, as a PNG.
pub fn draw_series(
    path: &Path,
    title: &str,
    x_desc: &str,
    metric: &str,
    series: &[Series],
) -> Result<(), OutputError> {
    ensure_font();
    if series.iter().all(|s| s.points.is_empty()) {
        return Err(OutputError::Chart {
            path: path.to_path_buf(),
            message: format!("no data for metric `{metric}`"),
        });
    }
    on_backend!(
        path,
        (960, 540),
        series_on(path, title, x_desc, metric, series)
    )
}

/// Whether a chart path asks for SVG (by its extension).
fn is_svg(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "svg")
}

fn series_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    x_desc: &str,
    metric: &str,
    series: &[Series],
) -> Result<(), OutputError> {
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let all = || series.iter().flat_map(|s| s.points.iter());
    if all().next().is_none() {
        return Err(err(format!("no data for metric `{metric}`")));
    }
    let x_min = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let x_max = if x_max > x_min { x_max } else { x_min + 1.0 };
    let months = x_desc == "month";
    let y_lo = all().map(|p| p.2).fold(f64::INFINITY, f64::min);
    let y_hi = all().map(|p| p.3).fold(f64::NEG_INFINITY, f64::max);
    let pad = ((y_hi - y_lo) * 0.08).max(1e-6 * y_hi.abs().max(1.0));
    let (y0, y1) = (
        if y_lo >= 0.0 {
            (y_lo - pad).max(0.0)
        } else {
            y_lo - pad
        },
        y_hi + pad,
    );

    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x_min..x_max, y0..y1)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_label_formatter(&|x| {
            if months {
                format!("{}", *x as i64)
            } else {
                crate::output::report::sig4(*x)
            }
        })
        .y_desc(metric)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let band: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|p| (p.0, p.3))
            .chain(s.points.iter().rev().map(|p| (p.0, p.2)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                band,
                colour.mix(0.18).filled(),
            )))
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.0, p.1)),
                colour.stroke_width(2),
            ))
            .map_err(|e| err(e.to_string()))?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 15))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(e.to_string()))?;
    root.draw(&Text::new(
        "lines: mean; bands: 95 % CI across replicates",
        (20, 520),
        ("sans-serif", 13).into_font().color(&BLACK.mix(0.6)),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// Viridis-like colour of a value in [0, 1].
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heatmap of `values[row][column]` over two swept parameters (columns:
/// x ticks, rows: y ticks), with each cell's value written in it.
pub fn draw_heatmap(
    path: &Path,
    title: &str,
    x: (&str, &[String]),
    y: (&str, &[String]),
    values: &[Vec<f64>],
) -> Result<(), OutputError> {
    ensure_font();
    on_backend!(path, (900, 720), heatmap_on(path, title, x, y, values))
}

fn heatmap_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    (x_desc, x_ticks): (&str, &[String]),
    (y_desc, y_ticks): (&str, &[String]),
    values: &[Vec<f64>],
) -> Result<(), OutputError> {
    use crate::output::report::sig4;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let (nx, ny) = (x_ticks.len(), y_ticks.len());
    if nx == 0 || ny == 0 || values.len() != ny || values.iter().any(|r| r.len() != nx) {
        return Err(err("a heatmap needs one value per grid cell".into()));
    }
    let finite = || values.iter().flatten().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{title}: {} to {}", sig4(lo), sig4(hi)),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    let centred = Pos::new(HPos::Center, VPos::Center);
    for (r, row) in values.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let t = (v - lo) / span;
            let (x, y) = (c as f64, r as f64);
            let cell = Rectangle::new([(x, y), (x + 1.0, y + 1.0)], viridis(t).filled());
            chart
                .draw_series(std::iter::once(cell))
                .map_err(|e| err(e.to_string()))?;
            let ink = if t > 0.6 { BLACK } else { WHITE };
            let style = ("sans-serif", 14).into_font().color(&ink).pos(centred);
            let label = Text::new(sig4(*v), (x + 0.5, y + 0.5), style);
            chart
                .draw_series(std::iter::once(label))
                .map_err(|e| err(e.to_string()))?;
        }
    }
    for (c, tick) in x_ticks.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
        let style = ("sans-serif", 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(tick.clone(), (px, py + 6), style))
            .map_err(|e| err(e.to_string()))?;
    }
    for (r, tick) in y_ticks.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(0.0, r as f64 + 0.5));
        let style = ("sans-serif", 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(tick.clone(), (px - 8, py), style))
            .map_err(|e| err(e.to_string()))?;
    }
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// One factor of a Morris chart: name, μ*, its 95 % CI, σ.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisPoint {
    /// Factor (parameter key).
    pub factor: String,
    /// μ*, the mean absolute elementary effect.
    pub mu_star: f64,
    /// 95 % bootstrap CI of μ*.
    pub ci: (f64, f64),
    /// σ, the spread of the elementary effects.
    pub sigma: f64,
}

/// The μ*–σ plot of a Morris screening (Campolongo et al. 2007): each factor
/// a labelled point with its μ* CI; factors far right matter, factors high
/// up act non-linearly or through interactions.
pub fn draw_morris(path: &Path, title: &str, points: &[MorrisPoint]) -> Result<(), OutputError> {
    ensure_font();
    on_backend!(path, (960, 640), morris_on(path, title, points))
}

fn morris_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    points: &[MorrisPoint],
) -> Result<(), OutputError> {
    use crate::output::report::sig4;
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let x_hi = points
        .iter()
        .map(|p| finite(p.ci.1).max(finite(p.mu_star)))
        .fold(0.0, f64::max);
    let y_hi = points.iter().map(|p| finite(p.sigma)).fold(0.0, f64::max);
    let (x_hi, y_hi) = (
        if x_hi > 0.0 { x_hi * 1.25 } else { 1.0 },
        if y_hi > 0.0 { y_hi * 1.15 } else { 1.0 },
    );
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_hi, 0.0..y_hi)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc("μ* (mean |elementary effect| per unit of range)")
        .y_desc("σ (spread of elementary effects)")
        .x_label_formatter(&|x| sig4(*x))
        .y_label_formatter(&|y| sig4(*y))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    // σ = μ*: above it, effects change sign or depend strongly on the others.
    let edge = x_hi.min(y_hi);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (edge, edge)],
            BLACK.mix(0.3).stroke_width(1),
        )))
        .map_err(|e| err(e.to_string()))?;
    for (i, p) in points.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let (m, s) = (finite(p.mu_star), finite(p.sigma));
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(finite(p.ci.0), s), (finite(p.ci.1), s)],
                colour.stroke_width(2),
            )))
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(std::iter::once(Circle::new((m, s), 6, colour.filled())))
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(std::iter::once(Text::new(
                p.factor.clone(),
                (m, s),
                ("sans-serif", 14).into_font().color(&BLACK),
            )))
            .map_err(|e| err(e.to_string()))?;
    }
    root.draw(&Text::new(
        "points: μ* and σ per factor; bars: 95 % bootstrap CI of μ*; line: σ = μ*",
        (20, 620),
        ("sans-serif", 13).into_font().color(&BLACK.mix(0.6)),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// One factor of a Sobol chart: name, first-order and total index with CIs.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolBar {
    /// Factor (parameter key).
    pub factor: String,
    /// First-order index S_i and its 95 % CI.
    pub first: (f64, f64, f64),
    /// Total index S_Ti and its 95 % CI.
    pub total: (f64, f64, f64),
}

/// Sobol indices as paired horizontal bars per factor (first order and
/// total), each with its 95 % bootstrap CI.
pub fn draw_sobol(path: &Path, title: &str, bars: &[SobolBar]) -> Result<(), OutputError> {
    ensure_font();
    let height = 160 + 56 * bars.len().max(1) as u32;
    on_backend!(path, (960, height), sobol_on(path, title, bars, height))
}

fn sobol_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    bars: &[SobolBar],
    height: u32,
) -> Result<(), OutputError> {
    use crate::output::report::sig4;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    let hi = bars
        .iter()
        .flat_map(|b| [b.first.2, b.total.2, b.total.0])
        .map(finite)
        .fold(1.0f64, f64::max);
    let lo = bars
        .iter()
        .flat_map(|b| [b.first.1, b.total.1, b.first.0])
        .map(finite)
        .fold(0.0f64, f64::min);
    let n = bars.len().max(1) as f64;
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(280)
        .build_cartesian_2d(lo..hi, 0.0..n)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .y_labels(0)
        .x_desc("Sobol index (share of output variance)")
        .x_label_formatter(&|x| sig4(*x))
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    let colours = [PALETTE[0], PALETTE[1]];
    for (i, b) in bars.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        for (j, (label, (v, l, h))) in [("first order", b.first), ("total", b.total)]
            .into_iter()
            .enumerate()
        {
            let (y0, y1) = (y + 0.1 + 0.4 * j as f64, y + 0.45 + 0.4 * j as f64);
            let c = colours[j];
            let bar = chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y0), (finite(v), y1)],
                    c.mix(0.75).filled(),
                )))
                .map_err(|e| err(e.to_string()))?;
            if i == 0 {
                bar.label(label).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.mix(0.75).filled())
                });
            }
            let mid = (y0 + y1) / 2.0;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(finite(l), mid), (finite(h), mid)],
                    BLACK.stroke_width(2),
                )))
                .map_err(|e| err(e.to_string()))?;
        }
        let (px, py) = chart.backend_coord(&(lo, y + 0.5));
        let style = ("sans-serif", 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(b.factor.clone(), (px - 8, py), style))
            .map_err(|e| err(e.to_string()))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(e.to_string()))?;
    root.draw(&Text::new(
        "bars: index; lines: 95 % bootstrap CI",
        (20, height as i32 - 20),
        ("sans-serif", 13).into_font().color(&BLACK.mix(0.6)),
    ))
    .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}

/// A weighted sample of parameter vectors with their prior box, for a
/// pairwise posterior chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    /// Parameter names.
    pub names: Vec<String>,
    /// Prior range of each parameter.
    pub ranges: Vec<(f64, f64)>,
    /// Particles (one value per parameter each).
    pub theta: Vec<Vec<f64>>,
    /// Their weights (summing to 1).
    pub weights: Vec<f64>,
}

/// A scatter-plot matrix of a posterior: below the diagonal each pair of
/// parameters (point size by weight), on the diagonal a weighted histogram,
/// every axis spanning the prior range.
pub fn draw_pairs(path: &Path, title: &str, pairs: &Pairs) -> Result<(), OutputError> {
    ensure_font();
    let k = pairs.names.len().max(1) as u32;
    let side = (220 * k).clamp(480, 1800);
    on_backend!(path, (side, side + 60), pairs_on(path, title, pairs))
}

fn pairs_on<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    pairs: &Pairs,
) -> Result<(), OutputError> {
    use crate::output::report::sig4;
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let k = pairs.names.len();
    if k == 0 || pairs.theta.is_empty() {
        return Err(err("no particles to draw".into()));
    }
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let root = root
        .titled(title, ("sans-serif", 20))
        .map_err(|e| err(e.to_string()))?;
    let cells = root.split_evenly((k, k));
    let max_w = pairs.weights.iter().copied().fold(0.0, f64::max).max(1e-12);
    let span = |j: usize| {
        let (l, h) = pairs.ranges[j];
        if h > l { (l, h) } else { (l - 0.5, l + 0.5) }
    };
    for (c, area) in cells.iter().enumerate() {
        let (row, col) = (c / k, c % k);
        if col > row {
            continue;
        }
        let (x0, x1) = span(col);
        let x_label = if row == k - 1 {
            pairs.names[col].as_str()
        } else {
            ""
        };
        if row == col {
            let bins = 20;
            let mut h = vec![0.0; bins];
            for (t, w) in pairs.theta.iter().zip(&pairs.weights) {
                let b = (((t[col] - x0) / (x1 - x0)) * bins as f64).floor();
                h[(b.max(0.0) as usize).min(bins - 1)] += w;
            }
            let top = h.iter().copied().fold(0.0, f64::max).max(1e-12) * 1.1;
            let mut chart = ChartBuilder::on(area)
                .margin(6)
                .x_label_area_size(if row == k - 1 { 36 } else { 18 })
                .y_label_area_size(18)
                .build_cartesian_2d(x0..x1, 0.0..top)
                .map_err(|e| err(e.to_string()))?;
            chart
                .configure_mesh()
                .disable_mesh()
                .y_labels(0)
                .x_labels(3)
                .x_desc(x_label)
                .x_label_formatter(&|x| sig4(*x))
                .label_style(("sans-serif", 11))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            let width = (x1 - x0) / bins as f64;
            chart
                .draw_series(h.iter().enumerate().map(|(b, v)| {
                    let l = x0 + b as f64 * width;
                    Rectangle::new([(l, 0.0), (l + width, *v)], PALETTE[0].mix(0.7).filled())
                }))
                .map_err(|e| err(e.to_string()))?;
        } else {
            let (y0, y1) = span(row);
            let mut chart = ChartBuilder::on(area)
                .margin(6)
                .x_label_area_size(if row == k - 1 { 36 } else { 18 })
                .y_label_area_size(if col == 0 { 60 } else { 18 })
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| err(e.to_string()))?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .x_desc(x_label)
                .y_desc(if col == 0 {
                    pairs.names[row].as_str()
                } else {
                    ""
                })
                .x_label_formatter(&|x| sig4(*x))
                .y_label_formatter(&|y| sig4(*y))
                .label_style(("sans-serif", 11))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            chart
                .draw_series(pairs.theta.iter().zip(&pairs.weights).map(|(t, w)| {
                    let r = 1 + (4.0 * (w / max_w).sqrt()).round() as i32;
                    Circle::new((t[col], t[row]), r, PALETTE[1].mix(0.5).filled())
                }))
                .map_err(|e| err(e.to_string()))?;
        }
    }
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}
