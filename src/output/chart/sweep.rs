//! Charts of sweeps: a heatmap over two swept keys (each cell's mean and the
//! half-width of its 95 % CI, with a colour bar), a line over one key (a
//! marker at each grid point and the CI band), and for any other design
//! (Latin hypercubes, grids of three keys or more) scatter plots of each
//! outcome against each key and a tornado chart of the sensitivity
//! coefficients of `sensitivity.csv`.

use super::{
    Drawn, Figure, Frame, GREY, GRID, Ticked, colour, ellipsized, fitting_ticks, framed,
    house_mesh, nice_ticks, note_height_pt, padded, row_axes, size, tick_label,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A swept key's readable name: `incentive.formal_weight` → "formal weight
/// (incentive)".
pub fn parameter_name(key: &str) -> String {
    match key.split_once('.') {
        Some((section, name)) => {
            format!("{} ({})", name.replace('_', " "), section.replace('_', " "))
        }
        None => key.replace('_', " "),
    }
}

/// The fewest decimals (at most six) that write every value of `xs` as
/// typed, so grid values read alike ("0.0, 0.1, 0.2", never "0.1000").
pub fn decimals_of(xs: &[f64]) -> usize {
    (0..=6)
        .find(|&d| {
            let scale = 10f64.powi(d as i32);
            xs.iter().all(|x| {
                let back = (x * scale).round() / scale;
                (back - x).abs() <= 1e-9 * x.abs().max(1.0)
            })
        })
        .unwrap_or(6)
}

/// The round tick at or above `hi` of an axis from 0 with about `n` ticks,
/// so the axis ends on a labelled tick.
pub fn round_up(hi: f64, n: usize) -> f64 {
    let (ticks, _) = nice_ticks(0.0, hi, n);
    match ticks.as_slice() {
        [_, second, ..] if *second > 0.0 && hi > 0.0 => (hi / second - 1e-9).ceil() * second,
        _ => hi,
    }
}

/// The decimals of values shown in a chart whose axis ticks need `dec`
/// decimals at a step of `step`: one more, so neighbouring values differ,
/// except for values of tens and more.
pub fn value_decimals(step: f64, dec: usize) -> usize {
    if step >= 10.0 { 0 } else { dec + 1 }
}

/// A colour of the viridis scale (perceptually uniform, colour-blind safe,
/// legible in grey) for `t` in 0..=1.
pub fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 45.0, 123.0),
        (59.0, 82.0, 139.0),
        (44.0, 114.0, 142.0),
        (33.0, 145.0, 140.0),
        (40.0, 174.0, 128.0),
        (94.0, 201.0, 98.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c`.
fn ink_on(c: RGBColor) -> RGBColor {
    let luminance = 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    if luminance > 120.0 { BLACK } else { WHITE }
}

/// Height in points of a figure's title with the room [`titled`] leaves
/// around it.
pub(super) const TITLE_PT: f64 = size::TITLE * 2.4 + 8.0;

/// Width in points of the widest of `labels` at `pt` points.
pub fn widest_pt(labels: impl IntoIterator<Item = String>, pt: f64) -> f64 {
    labels
        .into_iter()
        .map(|l| Frame::text_width_pt(&l, pt))
        .fold(0.0, f64::max)
}

/// The type size, at most `pt`, at which the widest of `labels` fits in
/// `room_pt` points (never below 5 pt): labels shrink on narrow charts.
pub fn fit_pt(labels: impl IntoIterator<Item = String>, room_pt: f64, pt: f64) -> f64 {
    let widest = widest_pt(labels, pt);
    if widest <= room_pt || widest <= 0.0 {
        pt
    } else {
        (pt * room_pt / widest).max(5.0)
    }
}

/// About how many ticks an axis `length_pt` points long has room for.
pub fn tick_count(length_pt: f64) -> usize {
    (length_pt / 50.0).round().clamp(3.0, 6.0) as usize
}

/// Height in points of an x axis: tick labels and the axis description.
pub(super) const X_AXIS_PT: f64 = size::TICK + size::LABEL + 9.0;

/// Width in points of a y axis whose widest tick label is `tick_pt` wide.
pub(super) fn y_axis_pt(tick_pt: f64) -> f64 {
    tick_pt + size::LABEL + 14.0
}

/// One cell of a heatmap: the mean and the half-width of its 95 % CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Mean.
    pub mean: f64,
    /// Half-width of the 95 % CI (none where undefined).
    pub half_width: Option<f64>,
}

/// A heatmap of an outcome over two swept keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// The key along x (columns), readable.
    pub x_label: String,
    /// The key along y (rows), readable.
    pub y_label: String,
    /// Column labels, left to right.
    pub columns: Vec<String>,
    /// Row labels, bottom to top.
    pub rows: Vec<String>,
    /// `cells[row][column]` (none where the point has no value).
    pub cells: Vec<Vec<Option<Cell>>>,
    /// The colour bar's description (the outcome with its unit).
    pub value_label: String,
    /// The note under the chart.
    pub note: String,
}

impl Heatmap {
    /// The range of the means, for the colours.
    fn range(&self) -> (f64, f64) {
        let means = || self.cells.iter().flatten().flatten().map(|c| c.mean);
        let lo = means().fold(f64::INFINITY, f64::min);
        let hi = means().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
            (lo - d, hi + d)
        }
    }

    fn bar_ticks(&self) -> (Vec<f64>, usize) {
        let (lo, hi) = self.range();
        nice_ticks(lo, hi, 5)
    }

    /// Width in points of the colour bar with its ticks and description.
    fn bar_pt(&self) -> f64 {
        let (ticks, dec) = self.bar_ticks();
        10.0 + 9.0
            + 6.0
            + widest_pt(ticks.iter().map(|t| tick_label(*t, dec)), size::TICK)
            + size::LABEL * 1.4
            + 6.0
    }

    fn y_axis_pt(&self) -> f64 {
        y_axis_pt(widest_pt(self.rows.iter().cloned(), size::TICK))
    }

    /// Height in points of a cell for a plot `plot_w` points wide.
    fn cell_h(&self, plot_w: f64) -> f64 {
        let cell_w = plot_w / self.columns.len().max(1) as f64;
        (cell_w * 0.72).clamp(22.0, 56.0)
    }

    fn plot_w(&self, width_pt: f64) -> f64 {
        (width_pt - self.y_axis_pt() - self.bar_pt() - 8.0).max(40.0)
    }

    /// The decimals of the cell values.
    fn cell_decimals(&self) -> usize {
        let (ticks, dec) = self.bar_ticks();
        let step = if ticks.len() > 1 {
            ticks[1] - ticks[0]
        } else {
            1.0
        };
        value_decimals(step, dec)
    }
}

impl Figure for Heatmap {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let plot_h = self.rows.len().max(1) as f64 * self.cell_h(self.plot_w(width_pt));
        TITLE_PT + 6.0 + plot_h + X_AXIS_PT + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let (nx, ny) = (self.columns.len(), self.rows.len());
        if nx == 0 || ny == 0 || self.cells.len() != ny || self.cells.iter().any(|r| r.len() != nx)
        {
            return Err("a heatmap needs one value per grid cell".into());
        }
        let body = framed(area, frame, &self.title, &self.note)?;
        let (w, _) = body.dim_in_pixel();
        let (main, bar) = body.split_horizontally(w as i32 - frame.px(self.bar_pt()));
        let (lo, hi) = self.range();
        let span = hi - lo;
        // Column labels: every one where they fit, else every k-th.
        let plot_w = self.plot_w(f64::from(frame.width) / frame.px_per_pt);
        let cell_w = plot_w / nx as f64;
        let label_w = widest_pt(self.columns.iter().cloned(), size::TICK);
        let every = ((label_w + 4.0) / cell_w).ceil().max(1.0) as usize;
        let x_ticks: Vec<f64> = (0..nx).step_by(every).map(|c| c as f64 + 0.5).collect();
        let y_ticks: Vec<f64> = (0..ny).map(|r| r as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(&main)
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(4.0))
            .x_label_area_size(frame.px(X_AXIS_PT))
            .y_label_area_size(frame.px(self.y_axis_pt()))
            .build_cartesian_2d(
                Ticked::new(0.0, nx as f64, x_ticks),
                Ticked::new(0.0, ny as f64, y_ticks),
            )
            .drawn()?;
        let label = |labels: &[String], x: f64| {
            labels
                .get(x.floor().max(0.0) as usize)
                .cloned()
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(GREY.stroke_width(frame.upx(0.6)))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|x| label(&self.columns, *x))
            .y_label_formatter(&|y| label(&self.rows, *y))
            .label_style(frame.font(size::TICK, BLACK))
            .axis_desc_style(frame.font(size::LABEL, BLACK))
            .set_all_tick_mark_size(frame.px(2.0))
            .draw()
            .drawn()?;
        // Cell text: as large as the cell allows, up to the tick size.
        let dec = self.cell_decimals();
        let text_of = |c: &Cell| {
            (
                tick_label(c.mean, dec),
                c.half_width
                    .filter(|h| h.is_finite())
                    .map(|h| format!("±{}", tick_label(h, dec))),
            )
        };
        let chars = self
            .cells
            .iter()
            .flatten()
            .flatten()
            .map(|c| {
                let (v, h) = text_of(c);
                v.chars().count().max(h.map_or(0, |h| h.chars().count()))
            })
            .max()
            .unwrap_or(1)
            .max(1);
        let value_pt = (0.86 * cell_w / (chars as f64 * 0.58)).min(size::TICK);
        let small_pt = value_pt * 0.82;
        let cell_h = self.cell_h(plot_w);
        let two_lines = cell_h >= (value_pt + small_pt) * 1.25 + 3.0;
        let base = main.get_base_pixel();
        for (r, row) in self.cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (x, y) = (c as f64, r as f64);
                let fill = match cell {
                    Some(cell) => viridis((cell.mean - lo) / span),
                    None => GRID,
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        fill.filled(),
                    )))
                    .drawn()?;
                // A thin white line between cells.
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, y), (x + 1.0, y + 1.0)],
                        WHITE.stroke_width(frame.upx(0.5)),
                    )))
                    .drawn()?;
                let Some(cell) = cell else {
                    continue;
                };
                if value_pt < 4.5 {
                    continue;
                }
                let ink = ink_on(fill);
                let (value, half) = text_of(cell);
                let (px, py) = chart.backend_coord(&(x + 0.5, y + 0.5));
                let (px, py) = (px - base.0, py - base.1);
                let centred = Pos::new(HPos::Center, VPos::Center);
                match half.filter(|_| two_lines) {
                    Some(half) => {
                        let up = frame.px(small_pt * 0.62);
                        let down = frame.px(value_pt * 0.62);
                        main.draw(&Text::new(
                            value,
                            (px, py - up),
                            frame.font(value_pt, ink).pos(centred),
                        ))
                        .drawn()?;
                        main.draw(&Text::new(
                            half,
                            (px, py + down),
                            frame.font(small_pt, ink).pos(centred),
                        ))
                        .drawn()?;
                    }
                    None => {
                        main.draw(&Text::new(
                            value,
                            (px, py),
                            frame.font(value_pt, ink).pos(centred),
                        ))
                        .drawn()?;
                    }
                }
            }
        }
        // The colour bar, its ticks and description on its right.
        let (ticks, tick_dec) = self.bar_ticks();
        let right = self.bar_pt() - 10.0 - 9.0;
        let mut bar_chart = ChartBuilder::on(&bar)
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(10.0))
            .x_label_area_size(frame.px(X_AXIS_PT))
            .right_y_label_area_size(frame.px(right))
            .build_cartesian_2d(0.0..1.0, Ticked::new(lo, hi, ticks))
            .drawn()?;
        bar_chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .x_labels(0)
            .axis_style(GREY.stroke_width(frame.upx(0.6)))
            .y_label_formatter(&|y| tick_label(*y, tick_dec))
            .label_style(frame.font(size::TICK, BLACK))
            .axis_desc_style(frame.font(size::LABEL, BLACK))
            .set_all_tick_mark_size(frame.px(2.0))
            .draw()
            .drawn()?;
        // The description, read upwards like the y axis's, at the right.
        {
            let (bw, _) = bar.dim_in_pixel();
            let top = bar_chart.backend_coord(&(1.0, hi)).1;
            let bottom = bar_chart.backend_coord(&(1.0, lo)).1;
            let b = bar.get_base_pixel();
            let style = frame
                .font(size::LABEL, BLACK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top));
            bar.draw(&Text::new(
                self.value_label.clone(),
                (
                    bw as i32 - frame.px(size::LABEL * 1.4),
                    (top + bottom) / 2 - b.1,
                ),
                style,
            ))
            .drawn()?;
        }
        let steps = 96;
        bar_chart
            .draw_series((0..steps).map(|i| {
                let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
                Rectangle::new(
                    [(0.0, lo + a * span), (1.0, lo + b * span)],
                    viridis((a + b) / 2.0).filled(),
                )
            }))
            .drawn()?;
        Ok(())
    }
}

/// One grid point of a line: x, its label, the mean and its 95 % CI.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePoint {
    /// Position on x (the value, or the category's index).
    pub x: f64,
    /// The value as labelled on the axis.
    pub label: String,
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95 % CI (the mean where undefined).
    pub lo: f64,
    /// Upper end of the 95 % CI.
    pub hi: f64,
}

/// An outcome against one swept key: a marker at each grid point and the
/// 95 % CI as a band (numbers) or error bars (categories).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    /// Title.
    pub title: String,
    /// The swept key, readable.
    pub x_label: String,
    /// The outcome with its unit.
    pub y_label: String,
    /// Points in order of x.
    pub points: Vec<LinePoint>,
    /// Whether the values are categories (not numbers): no line, error bars.
    pub categorical: bool,
    /// The note under the chart.
    pub note: String,
}

impl SweepLine {
    fn x_range(&self) -> (f64, f64) {
        let lo = self
            .points
            .iter()
            .map(|p| p.x)
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .points
            .iter()
            .map(|p| p.x)
            .fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        // Room beyond the end points, so markers and tick labels are whole.
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
        let pad = if self.categorical { 0.5 } else { pad };
        (lo - pad, hi + pad)
    }

    fn y_range(&self) -> (f64, f64) {
        let lo = self
            .points
            .iter()
            .map(|p| p.lo.min(p.mean))
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .points
            .iter()
            .map(|p| p.hi.max(p.mean))
            .fold(f64::NEG_INFINITY, f64::max);
        padded(lo, hi)
    }

    /// The x ticks and their labels: the grid values where their labels fit
    /// side by side in `plot_w_pt`, else round ticks.
    fn x_ticks(&self, plot_w_pt: f64) -> (Vec<f64>, Vec<String>) {
        let (x0, x1) = self.x_range();
        let per_unit = plot_w_pt / (x1 - x0);
        let mut xs: Vec<(f64, String)> =
            self.points.iter().map(|p| (p.x, p.label.clone())).collect();
        xs.sort_by(|a, b| a.0.total_cmp(&b.0));
        xs.dedup_by(|a, b| a.0 == b.0);
        let fits = xs.windows(2).all(|w| {
            let room = (w[1].0 - w[0].0) * per_unit;
            let need = (Frame::text_width_pt(&w[0].1, size::TICK)
                + Frame::text_width_pt(&w[1].1, size::TICK))
                / 2.0
                + 4.0;
            room >= need
        });
        if self.categorical || (fits && xs.len() <= 12) {
            xs.into_iter().unzip()
        } else {
            let (lo, hi) = (
                self.points
                    .iter()
                    .map(|p| p.x)
                    .fold(f64::INFINITY, f64::min),
                self.points
                    .iter()
                    .map(|p| p.x)
                    .fold(f64::NEG_INFINITY, f64::max),
            );
            let (ticks, dec) = nice_ticks(lo, hi, 6);
            let labels = ticks.iter().map(|t| tick_label(*t, dec)).collect();
            (ticks, labels)
        }
    }
}

impl Figure for SweepLine {
    fn height_pt(&self, width_pt: f64) -> f64 {
        TITLE_PT + width_pt * 0.5 + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        if self.points.is_empty() {
            return Err("no sweep points to draw".into());
        }
        let body = framed(area, frame, &self.title, &self.note)?;
        let (y0, y1) = self.y_range();
        let (x0, x1) = self.x_range();
        let (y_ticks, y_dec) = nice_ticks(y0, y1, 6);
        let y_axis = y_axis_pt(widest_pt(
            y_ticks.iter().map(|t| tick_label(*t, y_dec)),
            size::TICK,
        ));
        let width_pt = f64::from(frame.width) / frame.px_per_pt;
        let right_pt = 10.0;
        let (x_ticks, x_labels) = self.x_ticks(width_pt - y_axis - right_pt - 2.0);
        let mut chart = ChartBuilder::on(&body)
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(right_pt))
            .x_label_area_size(frame.px(X_AXIS_PT))
            .y_label_area_size(frame.px(y_axis))
            .build_cartesian_2d(
                Ticked::new(x0, x1, x_ticks.clone()),
                Ticked::new(y0, y1, y_ticks),
            )
            .drawn()?;
        let x_label = |x: f64| {
            x_ticks
                .iter()
                .position(|t| (t - x).abs() <= 1e-9 * t.abs().max(1.0))
                .map(|i| x_labels[i].clone())
                .unwrap_or_default()
        };
        house_mesh(&mut chart, frame)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|x| x_label(*x))
            .y_label_formatter(&|y| tick_label(*y, y_dec))
            .draw()
            .drawn()?;
        let ink = colour(1);
        if self.categorical {
            for p in &self.points {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(p.x, p.lo), (p.x, p.hi)],
                        ink.stroke_width(frame.upx(1.0)),
                    )))
                    .drawn()?;
            }
        } else {
            let band: Vec<(f64, f64)> = self
                .points
                .iter()
                .map(|p| (p.x, p.hi))
                .chain(self.points.iter().rev().map(|p| (p.x, p.lo)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, ink.mix(0.18).filled())))
                .drawn()?;
            chart
                .draw_series(LineSeries::new(
                    self.points.iter().map(|p| (p.x, p.mean)),
                    ink.stroke_width(frame.upx(size::LINE)),
                ))
                .drawn()?;
        }
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|p| Circle::new((p.x, p.mean), frame.px(2.2), ink.filled())),
            )
            .drawn()?;
        Ok(())
    }
}

/// One panel of a scatter figure: an outcome against one swept key.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPanel {
    /// The swept key, readable.
    pub x_label: String,
    /// A short statistic shown in the panel ("ρ = 0.42"), if any.
    pub statistic: String,
    /// Points: (value of the key, mean of the outcome).
    pub points: Vec<(f64, f64)>,
}

/// An outcome against each swept key (small multiples, one panel per key),
/// each point a sweep point's mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// Title.
    pub title: String,
    /// The outcome with its unit (the shared y axis).
    pub y_label: String,
    /// Panels, one per key.
    pub panels: Vec<ScatterPanel>,
    /// The note under the chart.
    pub note: String,
}

impl Scatter {
    fn grid(&self, width_pt: f64) -> (usize, usize) {
        let n = self.panels.len().max(1);
        let cols = if width_pt >= 380.0 { 3 } else { 2 }.min(n);
        (n.div_ceil(cols), cols)
    }

    fn y_range(&self) -> (f64, f64) {
        let ys = || {
            self.panels
                .iter()
                .flat_map(|p| p.points.iter().map(|q| q.1))
        };
        padded(
            ys().fold(f64::INFINITY, f64::min),
            ys().fold(f64::NEG_INFINITY, f64::max),
        )
    }
}

impl Figure for Scatter {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let (rows, cols) = self.grid(width_pt);
        TITLE_PT
            + rows as f64 * ((width_pt / cols as f64) * 0.8).max(120.0)
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let body = framed(area, frame, &self.title, &self.note)?;
        let width_pt = f64::from(frame.width) / frame.px_per_pt;
        let (rows, cols) = self.grid(width_pt);
        let (y0, y1) = self.y_range();
        let (y_ticks, y_dec) = nice_ticks(y0, y1, 5);
        let tick_w = widest_pt(y_ticks.iter().map(|t| tick_label(*t, y_dec)), size::TICK);
        // One y axis description for every row, centred on the grid at the
        // left (a row may be shorter than the description).
        let (_, h) = body.dim_in_pixel();
        let (strip, grid) = body.split_horizontally(frame.px(size::LABEL * 1.6));
        strip
            .draw(&Text::new(
                self.y_label.clone(),
                (frame.px(size::LABEL * 0.3), h as i32 / 2),
                frame
                    .font(size::LABEL, BLACK)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .drawn()?;
        for (k, cell) in grid.split_evenly((rows, cols)).iter().enumerate() {
            let Some(panel) = self.panels.get(k) else {
                break;
            };
            let xs = || panel.points.iter().map(|p| p.0);
            let (lo, hi) = (
                xs().fold(f64::INFINITY, f64::min),
                xs().fold(f64::NEG_INFINITY, f64::max),
            );
            let (lo, hi) = if !lo.is_finite() {
                (0.0, 1.0)
            } else if hi > lo {
                (lo, hi)
            } else {
                (lo - 0.5, hi + 0.5)
            };
            let pad = (hi - lo) * 0.05;
            // Ticks as many as the panel's axis holds without their labels
            // touching (on a narrow chart, fewer).
            let cell_pt = f64::from(cell.dim_in_pixel().0) / frame.px_per_pt;
            let axis_pt = (cell_pt - 2.0 - 10.0 - tick_w - 8.0) / 1.1;
            let fits = |ticks: &[f64], dec: usize| {
                let widest = widest_pt(ticks.iter().map(|t| tick_label(*t, dec)), size::TICK);
                let step = ticks.get(1).map_or(hi - lo, |t| t - ticks[0]);
                widest + 6.0 <= axis_pt * step / (hi - lo)
            };
            let (x_ticks, x_dec) = {
                let (ticks, dec) = nice_ticks(lo, hi, 4);
                if fits(&ticks, dec) {
                    (ticks, dec)
                } else {
                    let (ticks, dec) = fitting_ticks(lo, hi, axis_pt, 4);
                    // Two ticks that would still touch: the middle one.
                    if fits(&ticks, dec) || ticks.len() < 2 {
                        (ticks, dec)
                    } else {
                        (vec![ticks[ticks.len() / 2]], dec)
                    }
                }
            };
            // A description wider than the panel is set smaller (and only
            // shortened where that is not enough), drawn here.
            // (plotters centres it under the plot, which leaves the
            // cell's right margin on that side).
            let desc_fits =
                Frame::text_width_pt(&panel.x_label, size::LABEL) <= axis_pt * 1.1 + 16.0;
            let mut chart = ChartBuilder::on(cell)
                .margin_top(frame.px(size::NOTE * 2.2))
                .margin_left(frame.px(2.0))
                .margin_right(frame.px(10.0))
                .x_label_area_size(frame.px(X_AXIS_PT))
                .y_label_area_size(frame.px(tick_w + 8.0))
                .build_cartesian_2d(
                    Ticked::new(lo - pad, hi + pad, x_ticks),
                    Ticked::new(y0, y1, y_ticks.clone()),
                )
                .drawn()?;
            let x_format = |x: &f64| tick_label(*x, x_dec);
            let y_format = |y: &f64| tick_label(*y, y_dec);
            house_mesh(&mut chart, frame)
                .x_desc(if desc_fits {
                    panel.x_label.as_str()
                } else {
                    ""
                })
                .x_label_formatter(&x_format)
                .y_label_formatter(&y_format)
                .draw()
                .drawn()?;
            if !desc_fits {
                let room = cell_pt - 4.0;
                let pt = fit_pt([panel.x_label.clone()], room, size::LABEL);
                let text = ellipsized(&panel.x_label, room, pt);
                let (w, h) = (cell.dim_in_pixel().0 as i32, cell.dim_in_pixel().1 as i32);
                // Under the axis' middle, kept inside the panel.
                let (left, _) = chart.backend_coord(&(lo - pad, y0));
                let (right, _) = chart.backend_coord(&(hi + pad, y0));
                let half = frame.px(Frame::text_width_pt(&text, pt) / 2.0);
                let centre = ((left + right) / 2 - cell.get_base_pixel().0).clamp(
                    (half + frame.px(2.0)).min(w / 2),
                    (w - half - frame.px(2.0)).max(w / 2),
                );
                cell.draw(&Text::new(
                    text,
                    (centre, h - frame.px(2.0)),
                    frame
                        .font(pt, BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))
                .drawn()?;
            }
            let ink = colour(1);
            chart
                .draw_series(
                    panel
                        .points
                        .iter()
                        .map(|p| Circle::new(*p, frame.px(1.8), ink.mix(0.7).filled())),
                )
                .drawn()?;
            if !panel.statistic.is_empty() {
                let (px, py) = chart.backend_coord(&(hi + pad, y1));
                let base = cell.get_base_pixel();
                cell.draw(&Text::new(
                    panel.statistic.clone(),
                    (px - base.0, py - base.1 - frame.px(3.0)),
                    frame
                        .font(size::LABEL, BLACK)
                        .pos(Pos::new(HPos::Right, VPos::Bottom)),
                ))
                .drawn()?;
            }
        }
        Ok(())
    }
}

/// One bar of a tornado panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The swept key, readable.
    pub label: String,
    /// The coefficient (the bar).
    pub value: f64,
    /// A second coefficient shown as a marker on the bar's row, if any.
    pub marker: Option<f64>,
}

/// One outcome's panel of a tornado chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoPanel {
    /// Panel title (the outcome, and the fit of the model).
    pub title: String,
    /// Bars, drawn from the top in the order given (see
    /// [`TornadoPanel::sorted`]).
    pub bars: Vec<Bar>,
}

impl TornadoPanel {
    /// The panel with its bars sorted by magnitude, largest first.
    pub fn sorted(mut self) -> TornadoPanel {
        let size = |b: &Bar| {
            if b.value.is_finite() {
                b.value.abs()
            } else {
                -1.0
            }
        };
        self.bars.sort_by(|a, b| size(b).total_cmp(&size(a)));
        self
    }

    fn height_pt(&self, last: bool) -> f64 {
        let axis = if last {
            X_AXIS_PT
        } else {
            X_AXIS_PT - size::LABEL
        };
        size::PANEL * 2.2 + self.bars.len().max(1) as f64 * ROW_PT + axis + 4.0
    }
}

/// Height of a bar's row in points.
const ROW_PT: f64 = 14.0;

/// A tornado chart: per outcome, the sensitivity coefficient of each swept
/// key as a bar from zero, sorted by magnitude.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// Title.
    pub title: String,
    /// The x axis description (what the coefficient is).
    pub axis: String,
    /// The marker's meaning for the legend ("Spearman's ρ"), if markers are drawn.
    pub marker_label: String,
    /// Panels, one per outcome.
    pub panels: Vec<TornadoPanel>,
    /// The note under the chart.
    pub note: String,
}

impl Tornado {
    /// The symmetric x range covering every bar and marker (at least −1..1).
    fn reach(&self) -> f64 {
        self.panels
            .iter()
            .flat_map(|p| p.bars.iter())
            .flat_map(|b| [Some(b.value), b.marker])
            .flatten()
            .filter(|v| v.is_finite())
            .map(f64::abs)
            .fold(1.0, f64::max)
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &TornadoPanel,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
        (label_pt, font_pt): (f64, f64),
        last: bool,
    ) -> Result<(), String> {
        let reach = self.reach() * 1.08;
        let value_pt = widest_pt(panel.bars.iter().map(|b| signed(b.value, 2)), font_pt) + 8.0;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let (ticks, dec) = nice_ticks(
            -reach,
            reach,
            tick_count(width_pt - label_pt - value_pt - 4.0),
        );
        let n = panel.bars.len().max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, frame.font(size::PANEL, BLACK))
            .margin_top(frame.px(4.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(value_pt))
            .x_label_area_size(frame.px(if last {
                X_AXIS_PT
            } else {
                X_AXIS_PT - size::LABEL
            }))
            .y_label_area_size(frame.px(label_pt))
            .build_cartesian_2d(Ticked::new(-reach, reach, ticks), 0.0..n)
            .drawn()?;
        row_axes(
            &mut chart,
            frame,
            if last { self.axis.as_str() } else { "" },
            dec,
            n,
            true,
        )?;
        let base = area.get_base_pixel();
        for (i, b) in panel.bars.iter().enumerate() {
            let y = n - 0.5 - i as f64;
            let left = chart.backend_coord(&(-reach, y));
            area.draw(&Text::new(
                b.label.clone(),
                (left.0 - base.0 - frame.px(4.0), left.1 - base.1),
                frame
                    .font(font_pt, BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .drawn()?;
            if !b.value.is_finite() {
                continue;
            }
            let fill = if b.value >= 0.0 { colour(1) } else { colour(2) };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.32), (b.value, y + 0.32)],
                    fill.mix(0.85).filled(),
                )))
                .drawn()?;
            if let Some(m) = b.marker.filter(|m| m.is_finite()) {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (m, y),
                        frame.px(2.4),
                        BLACK.stroke_width(frame.upx(0.9)),
                    )))
                    .drawn()?;
            }
            let right = chart.backend_coord(&(reach, y));
            area.draw(&Text::new(
                signed(b.value, 2),
                (right.0 - base.0 + frame.px(4.0), right.1 - base.1),
                frame
                    .font(font_pt, BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .drawn()?;
        }
        Ok(())
    }
}

/// `x` with `decimals` decimals and its sign ("+0.42", "−0.17").
fn signed(x: f64, decimals: usize) -> String {
    let text = tick_label(x, decimals);
    if x > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

impl Figure for Tornado {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let legend = if self.marker_label.is_empty() {
            0.0
        } else {
            size::LABEL * 1.8
        };
        TITLE_PT
            + legend
            + self
                .panels
                .iter()
                .enumerate()
                .map(|(i, p)| p.height_pt(i + 1 == self.panels.len()))
                .sum::<f64>()
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let mut rest = framed(area, frame, &self.title, &self.note)?;
        if !self.marker_label.is_empty() {
            let (legend, below) = rest.split_vertically(frame.px(size::LABEL * 1.8));
            let (w, h) = legend.dim_in_pixel();
            let mid = h as i32 / 2;
            let text = self.marker_label.clone();
            let text_w = frame.px(Frame::text_width_pt(&text, size::LABEL));
            let x = (w as i32 - text_w) / 2;
            legend
                .draw(&Circle::new(
                    (x - frame.px(6.0), mid),
                    frame.px(2.4),
                    BLACK.stroke_width(frame.upx(0.9)),
                ))
                .drawn()?;
            legend
                .draw(&Text::new(
                    text,
                    (x, mid),
                    frame
                        .font(size::LABEL, BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .drawn()?;
            rest = below;
        }
        let labels = || {
            self.panels
                .iter()
                .flat_map(|p| p.bars.iter().map(|b| b.label.clone()))
        };
        let width_pt = f64::from(frame.width) / frame.px_per_pt;
        let font_pt = fit_pt(labels(), width_pt * 0.4, size::LABEL);
        let label_pt = widest_pt(labels(), font_pt) + 8.0;
        for (i, panel) in self.panels.iter().enumerate() {
            let last = i + 1 == self.panels.len();
            let (this, below) = rest.split_vertically(frame.px(panel.height_pt(last)));
            self.draw_panel(panel, &this, frame, (label_pt, font_pt), last)?;
            rest = below;
        }
        Ok(())
    }
}

figure_enum! {
/// Any chart of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepFigure {
    /// Two keys on a complete grid.
    Heatmap(Heatmap),
    /// One key.
    Line(SweepLine),
    /// An outcome against each key.
    Scatter(Scatter),
    /// Sensitivity coefficients.
    Tornado(Tornado),
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_read_as_words() {
        assert_eq!(
            parameter_name("incentive.formal_weight"),
            "formal weight (incentive)"
        );
        assert_eq!(parameter_name("seed"), "seed");
    }

    #[test]
    fn grid_values_keep_the_decimals_they_were_typed_with() {
        assert_eq!(decimals_of(&[0.0, 0.1, 0.2, 0.3]), 1);
        assert_eq!(decimals_of(&[20.0, 40.0]), 0);
        assert_eq!(decimals_of(&[0.05, 0.1]), 2);
        let labels: Vec<String> = [0.0, 0.1, 1.0]
            .iter()
            .map(|x| tick_label(*x, decimals_of(&[0.0, 0.1, 1.0])))
            .collect();
        assert_eq!(labels, ["0.0", "0.1", "1.0"]);
    }

    #[test]
    fn tornado_bars_sort_by_magnitude() {
        let bar = |label: &str, value: f64| Bar {
            label: label.into(),
            value,
            marker: None,
        };
        let p = TornadoPanel {
            title: "t".into(),
            bars: vec![
                bar("a", 0.1),
                bar("b", -0.7),
                bar("c", f64::NAN),
                bar("d", 0.4),
            ],
        }
        .sorted();
        let order: Vec<&str> = p.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(order, ["b", "d", "a", "c"]);
    }

    #[test]
    fn text_on_viridis_stays_legible() {
        assert_eq!(ink_on(viridis(0.0)), WHITE);
        assert_eq!(ink_on(viridis(1.0)), BLACK);
    }
}
