//! Charts: the mean of a metric across replicates with its 95 % CI band.
//!
//! Fonts come from the DejaVu Sans file compiled into the binary, so charts
//! render on a machine without system fonts.

use super::OutputError;
use crate::experiment::MonthSummary;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Register the embedded font once per process (the only font set-up).
fn ensure_font() {
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure would only
        // lose text, never the chart.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The metrics drawn after every run.
pub const CHARTED: &[&str] = &[
    "service_capacity",
    "share_met",
    "satisfaction_mean",
    "formalism_index",
];

/// Draw `metric` over months: mean line and CI band, as a PNG at `path`.
pub fn draw_metric(
    path: &Path,
    title: &str,
    metric: &str,
    rows: &[MonthSummary],
) -> Result<(), OutputError> {
    ensure_font();
    let err = |e: String| OutputError::Chart {
        path: path.to_path_buf(),
        message: e,
    };
    let series: Vec<(f64, f64, f64, f64)> = rows
        .iter()
        .filter(|r| r.metric == metric)
        .map(|r| {
            let s = &r.summary;
            let m = f64::from(r.month) + 1.0;
            (
                m,
                s.mean,
                s.ci_low.unwrap_or(s.mean),
                s.ci_high.unwrap_or(s.mean),
            )
        })
        .collect();
    if series.is_empty() {
        return Err(err(format!("no data for metric `{metric}`")));
    }
    let x_max = series.last().map(|p| p.0).unwrap_or(1.0).max(2.0);
    let y_lo = series.iter().map(|p| p.2).fold(f64::INFINITY, f64::min);
    let y_hi = series.iter().map(|p| p.3).fold(f64::NEG_INFINITY, f64::max);
    let pad = ((y_hi - y_lo) * 0.08).max(1e-6 * y_hi.abs().max(1.0));
    let (y0, y1) = (
        if y_lo >= 0.0 {
            (y_lo - pad).max(0.0)
        } else {
            y_lo - pad
        },
        y_hi + pad,
    );

    let root = BitMapBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(1.0..x_max, y0..y1)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("month")
        .x_label_formatter(&|x| format!("{}", *x as i64))
        .y_desc(metric)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    let band: Vec<(f64, f64)> = series
        .iter()
        .map(|p| (p.0, p.3))
        .chain(series.iter().rev().map(|p| (p.0, p.2)))
        .collect();
    let blue = RGBColor(31, 94, 168);
    chart
        .draw_series(std::iter::once(Polygon::new(band, blue.mix(0.22).filled())))
        .map_err(|e| err(e.to_string()))?
        .label("95 % CI across replicates")
        .legend(move |(x, y)| {
            Rectangle::new([(x, y - 5), (x + 18, y + 5)], blue.mix(0.22).filled())
        });
    chart
        .draw_series(LineSeries::new(
            series.iter().map(|p| (p.0, p.1)),
            blue.stroke_width(2),
        ))
        .map_err(|e| err(e.to_string()))?
        .label("mean")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], blue.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 15))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))?;
    Ok(())
}
