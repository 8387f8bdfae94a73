//! Forest plots: each variant's difference from the baseline on an outcome,
//! point and 95 % CI, sorted, against a zero line, labelled with the
//! relative difference; one panel per outcome.

use super::{
    Drawn, Figure, Frame, GREY, Ticked, fitting_ticks, framed, note_height_pt, padded, row_axes,
    size, tick_label, variant_colour, wrapped_name,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row: a variant's difference from the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Variant name.
    pub label: String,
    /// The variant's place in its study (the baseline, 0, first), which
    /// gives the colour of its point and bar ([`variant_colour`]), as in
    /// the study's other charts.
    pub index: usize,
    /// Difference from the baseline.
    pub value: f64,
    /// Its 95 % CI (lower, upper), `None` without one (below two
    /// replicates): drawn as a hollow diamond without a bar ("not tested").
    pub ci: Option<(f64, f64)>,
    /// The difference relative to the baseline mean, when that is not zero.
    pub relative: Option<f64>,
}

impl Estimate {
    /// Whether there is a CI and it excludes zero.
    pub fn excludes_zero(&self) -> bool {
        self.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    /// The CI, or the point itself without one.
    fn span(&self) -> (f64, f64) {
        self.ci.unwrap_or((self.value, self.value))
    }

    /// The label at the right of the row: the relative difference ("+21.6 %")
    /// or, without one, the difference.
    pub fn annotation(&self) -> String {
        match self.relative {
            Some(r) if r.is_finite() => {
                let pct = 100.0 * r;
                let digits = if pct.abs() >= 100.0 { 0 } else { 1 };
                let sign = if pct > 0.0 { "+" } else { "" };
                format!("{sign}{} %", tick_label(pct, digits))
            }
            _ => {
                let sign = if self.value > 0.0 { "+" } else { "" };
                format!("{sign}{}", crate::output::report::sig4(self.value))
            }
        }
    }
}

/// One outcome's panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestPanel {
    /// Outcome (panel title).
    pub title: String,
    /// x-axis description ("difference from baseline (unit)").
    pub axis: String,
    /// Rows, drawn in the order given (see [`ForestPanel::sorted`]).
    pub rows: Vec<Estimate>,
}

impl ForestPanel {
    /// The panel with its rows sorted from the largest difference down.
    pub fn sorted(mut self) -> ForestPanel {
        self.rows.sort_by(|a, b| b.value.total_cmp(&a.value));
        self
    }

    /// The annotations' width in points (right of the axis).
    fn note_pt(&self) -> f64 {
        self.rows
            .iter()
            .map(|r| Frame::text_width_pt(&r.annotation(), size::LABEL))
            .fold(0.0, f64::max)
            + 8.0
    }

    /// The length in points of the x axis in a cell `width_pt` wide with
    /// the row labels on one line each: what they and the annotations
    /// leave.
    pub fn natural_axis_pt(&self, width_pt: f64) -> f64 {
        let label_pt = self
            .rows
            .iter()
            .map(|r| Frame::text_width_pt(&r.label, size::LABEL))
            .fold(0.0, f64::max)
            + 6.0;
        width_pt - label_pt - self.note_pt() - 4.0
    }

    /// The panel's layout in a cell `width_pt` wide: row labels on one
    /// line where that leaves the axis [`MIN_AXIS_PT`]; otherwise long
    /// ones broken over two lines (after an underscore or space), and only
    /// a name too long for two lines shortened by an ellipsis.
    pub fn layout(&self, width_pt: f64) -> RowLayout {
        let note_pt = self.note_pt();
        let room = if self.natural_axis_pt(width_pt) >= MIN_AXIS_PT {
            f64::INFINITY
        } else {
            (width_pt - note_pt - 4.0 - 6.0 - MIN_AXIS_PT).max(width_pt * 0.3)
        };
        let labels: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| wrapped_name(&r.label, room, size::LABEL))
            .collect();
        let label_pt = labels
            .iter()
            .flatten()
            .map(|l| Frame::text_width_pt(l, size::LABEL))
            .fold(0.0, f64::max)
            + 6.0;
        let row_pt = if labels.iter().any(|l| l.len() > 1) {
            ROW_PT_TWO_LINES
        } else {
            ROW_PT
        };
        RowLayout {
            axis_pt: width_pt - label_pt - note_pt - 4.0,
            labels,
            label_pt,
            note_pt,
            row_pt,
        }
    }

    /// The x axis' range for an axis `axis_pt` points long: the intervals
    /// with a margin. Differences all at or above zero start the axis at
    /// zero, so its spine is the zero line; otherwise zero lies inside the
    /// axis, at least [`ZERO_GAP_PT`] from its spine (a zero line a few
    /// points from the spine read as a double line "||"), and a little
    /// room is left right of zero when all differences are negative.
    pub fn x_range(&self, axis_pt: f64) -> (f64, f64) {
        let lo = self
            .rows
            .iter()
            .map(|r| r.span().0.min(r.value))
            .fold(0.0, f64::min);
        let hi = self
            .rows
            .iter()
            .map(|r| r.span().1.max(r.value))
            .fold(0.0, f64::max);
        // Differences all zero: an axis centred on the zero line.
        let (x0, x1) = if lo == 0.0 && hi == 0.0 {
            (-1.0, 1.0)
        } else {
            padded(lo, hi)
        };
        if lo >= 0.0 && hi > 0.0 {
            return (0.0, x1);
        }
        // `padded` may snap a lower end near zero to zero; room on both
        // sides of the zero line.
        let pad = (x1 - x0) * 0.04;
        let (x0, x1) = (x0.min(-pad), x1.max(pad));
        // Zero at least ZERO_GAP_PT right of the spine: -x0 / (x1 - x0)
        // at least `share`.
        let share = (ZERO_GAP_PT / axis_pt.max(2.0 * ZERO_GAP_PT)).min(0.5);
        let x0 = x0.min(-share * x1 / (1.0 - share));
        (x0, x1)
    }

    /// The height in points the panel's rows, title and axis need in a
    /// cell `width_pt` wide.
    pub(super) fn height_pt(&self, width_pt: f64) -> f64 {
        size::PANEL * 2.0
            + self.rows.len().max(1) as f64 * self.layout(width_pt).row_pt
            + size::TICK
            + size::LABEL
            + 14.0
    }

    /// Draw the panel on `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let n = self.rows.len().max(1) as f64;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let layout = self.layout(width_pt);
        let (x0, x1) = self.x_range(layout.axis_pt);
        // Where the axis starts at zero, its spine is the zero line.
        let zero_line = x0 < 0.0;
        let most = if layout.axis_pt < 150.0 { 3 } else { 5 };
        let (ticks, dec) = fitting_ticks(x0, x1, layout.axis_pt, most);
        let x_area_pt = size::TICK + size::LABEL + 10.0;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, frame.font(size::PANEL, BLACK))
            .margin_top(frame.px(4.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(layout.note_pt))
            .margin_bottom(frame.px(2.0))
            .x_label_area_size(frame.px(x_area_pt))
            .y_label_area_size(frame.px(layout.label_pt))
            .build_cartesian_2d(Ticked::new(x0, x1, ticks), 0.0..n)
            .drawn()?;
        // The axis description is drawn here, not by plotters, so that a
        // long one stays inside the panel.
        row_axes(&mut chart, frame, "", dec, n, zero_line)?;
        let base = area.get_base_pixel();
        let (w, h) = area.dim_in_pixel();
        let (left, _) = chart.backend_coord(&(x0, 0.0));
        let (right, _) = chart.backend_coord(&(x1, 0.0));
        let desc_pt = {
            let needed = Frame::text_width_pt(&self.axis, size::LABEL);
            if needed > width_pt - 4.0 {
                (size::LABEL * (width_pt - 4.0) / needed).max(5.0)
            } else {
                size::LABEL
            }
        };
        let half = frame.px(Frame::text_width_pt(&self.axis, desc_pt) / 2.0);
        let centre = ((left + right) / 2 - base.0).clamp(
            (half + frame.px(2.0)).min(w as i32 / 2),
            (w as i32 - half - frame.px(2.0)).max(w as i32 / 2),
        );
        area.draw(&Text::new(
            self.axis.clone(),
            (centre, h as i32 - frame.px(2.0)),
            frame
                .font(desc_pt, BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .drawn()?;
        let line_pt = size::LABEL * 1.15;
        for (i, r) in self.rows.iter().enumerate() {
            let y = n - 0.5 - i as f64;
            let ink = variant_colour(r.index);
            let line = ink.stroke_width(frame.upx(1.0));
            if let Some((lo, hi)) = r.ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y), (hi, y)],
                        line,
                    )))
                    .drawn()?;
            }
            let radius = frame.px(2.4);
            if r.ci.is_none() {
                // Not tested: a hollow diamond, unlike any tested point.
                let (x, y) = chart.backend_coord(&(r.value, y));
                let (x, y) = (x - base.0, y - base.1);
                let d = frame.px(3.2);
                let corners = vec![(x, y - d), (x + d, y), (x, y + d), (x - d, y)];
                area.draw(&Polygon::new(corners.clone(), WHITE.filled()))
                    .drawn()?;
                let mut outline = corners;
                outline.push(outline[0]);
                area.draw(&PathElement::new(outline, line)).drawn()?;
            } else {
                let point = if r.excludes_zero() {
                    Circle::new((r.value, y), radius, ink.filled())
                } else {
                    Circle::new((r.value, y), radius, WHITE.filled())
                };
                chart.draw_series(std::iter::once(point)).drawn()?;
                chart
                    .draw_series(std::iter::once(Circle::new((r.value, y), radius, line)))
                    .drawn()?;
            }
            let left = chart.backend_coord(&(x0, y));
            let right = chart.backend_coord(&(x1, y));
            let lines = &layout.labels[i];
            for (k, text) in lines.iter().enumerate() {
                let offset = (k as f64 - (lines.len() as f64 - 1.0) / 2.0) * line_pt;
                area.draw(&Text::new(
                    text.clone(),
                    (
                        left.0 - base.0 - frame.px(4.0),
                        left.1 - base.1 + frame.px(offset),
                    ),
                    frame
                        .font(size::LABEL, BLACK)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .drawn()?;
            }
            area.draw(&Text::new(
                r.annotation(),
                (right.0 - base.0 + frame.px(4.0), right.1 - base.1),
                frame
                    .font(size::LABEL, if r.excludes_zero() { BLACK } else { GREY })
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .drawn()?;
        }
        Ok(())
    }
}

/// A forest panel's layout in its cell (see [`ForestPanel::layout`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RowLayout {
    /// Each row's label, one line or two.
    pub labels: Vec<Vec<String>>,
    /// Width of the row labels' area, in points.
    pub label_pt: f64,
    /// Width of the annotations' area, in points.
    pub note_pt: f64,
    /// Length of the x axis, in points.
    pub axis_pt: f64,
    /// Height of a row, in points.
    pub row_pt: f64,
}

/// The least length of a forest panel's x axis in points: two columns of
/// panels need it at half the width, and row labels wrap to keep it.
pub const MIN_AXIS_PT: f64 = 50.0;

/// The least distance in points between a forest axis' spine and its zero
/// line (see [`ForestPanel::x_range`]).
pub const ZERO_GAP_PT: f64 = 10.0;

/// Height of a row with two-line labels, in points.
const ROW_PT_TWO_LINES: f64 = size::LABEL * 1.15 * 2.0 + 4.0;

/// Height of a row in points.
const ROW_PT: f64 = 13.0;

/// A forest plot: one panel per outcome, stacked.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    /// Title (the study's name).
    pub title: String,
    /// Panels.
    pub panels: Vec<ForestPanel>,
    /// The note under the chart.
    pub note: String,
}

impl Forest {
    /// Panels side by side: two columns from three outcomes on, where half
    /// the width leaves each panel's x axis at least 50 pt beside its row
    /// labels and annotations; one column on a narrow chart.
    fn columns(&self, width_pt: f64) -> usize {
        let shortest = self
            .panels
            .iter()
            .map(|p| p.natural_axis_pt(width_pt / 2.0))
            .fold(f64::INFINITY, f64::min);
        if self.panels.len() > 2 && shortest >= MIN_AXIS_PT {
            2
        } else {
            1
        }
    }

    /// The height in points of each row of panels.
    fn row_heights(&self, width_pt: f64) -> Vec<f64> {
        let cols = self.columns(width_pt);
        let cell = width_pt / cols as f64;
        self.panels
            .chunks(cols)
            .map(|row| row.iter().map(|p| p.height_pt(cell)).fold(0.0, f64::max))
            .collect()
    }
}

impl Figure for Forest {
    fn height_pt(&self, width_pt: f64) -> f64 {
        size::TITLE * 2.4
            + 8.0
            + self.row_heights(width_pt).iter().sum::<f64>()
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let mut rest = framed(area, frame, &self.title, &self.note)?;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let cols = self.columns(width_pt);
        for (row, height) in self.panels.chunks(cols).zip(self.row_heights(width_pt)) {
            let (this, below) = rest.split_vertically(frame.px(height));
            let cells = this.split_evenly((1, cols));
            for (panel, cell) in row.iter().zip(&cells) {
                panel.draw(cell, frame)?;
            }
            rest = below;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, value: f64, relative: Option<f64>) -> Estimate {
        Estimate {
            label: label.into(),
            index: 1,
            value,
            ci: Some((value - 0.1, value + 0.1)),
            relative,
        }
    }

    #[test]
    fn a_narrow_forest_stacks_its_panels() {
        let panel = ForestPanel {
            title: "t".into(),
            axis: "a".into(),
            rows: vec![row("training_technology", 0.1, Some(0.445))],
        };
        let forest = Forest {
            title: "f".into(),
            panels: vec![panel.clone(), panel.clone(), panel],
            note: String::new(),
        };
        // 16 cm is 453.5 pt: two columns leave each axis over 50 pt.
        assert_eq!(forest.columns(453.5), 2);
        // 8 cm: side by side the axes would vanish.
        assert_eq!(forest.columns(226.8), 1);
    }

    #[test]
    fn the_zero_line_never_doubles_the_axis_spine() {
        let panel = |rows: Vec<Estimate>| ForestPanel {
            title: "t".into(),
            axis: "a".into(),
            rows,
        };
        // All differences above zero: the axis starts at zero, where its
        // spine is the zero line.
        let positive = panel(vec![row("a", 0.5, None), row("b", 0.2, None)]);
        for axis_pt in [60.0, 130.0, 300.0] {
            assert_eq!(positive.x_range(axis_pt).0, 0.0);
        }
        // Reaching just below zero: zero lies at least ZERO_GAP_PT inside,
        // on a short axis too (before: 4 % of the range, 2.4 pt of 60).
        let just_below = panel(vec![row("a", 0.5, None), row("b", 0.095, None)]);
        for axis_pt in [60.0, 130.0, 300.0] {
            let (x0, x1) = just_below.x_range(axis_pt);
            let zero_pt = -x0 / (x1 - x0) * axis_pt;
            assert!(zero_pt >= ZERO_GAP_PT - 1e-9, "{axis_pt}: {zero_pt}");
            assert!(x1 >= 0.6 - 1e-12);
        }
        // All below zero: zero inside on the right.
        let negative = panel(vec![row("a", -0.5, None)]);
        let (x0, x1) = negative.x_range(100.0);
        assert!(x0 <= -0.6 && x1 > 0.0, "{x0} {x1}");
    }

    #[test]
    fn rows_sort_from_the_largest_difference() {
        let p = ForestPanel {
            title: "t".into(),
            axis: "a".into(),
            rows: vec![
                row("a", 0.1, None),
                row("b", 0.5, None),
                row("c", -0.3, None),
            ],
        }
        .sorted();
        let order: Vec<&str> = p.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
    }

    #[test]
    fn annotations_read_as_percentages() {
        assert_eq!(row("a", 0.02, Some(0.216)).annotation(), "+21.6 %");
        assert_eq!(row("a", -0.02, Some(-0.05)).annotation(), "\u{2212}5.0 %");
        assert_eq!(row("a", 2.0, Some(1.5)).annotation(), "+150 %");
        assert_eq!(row("a", 0.25, None).annotation(), "+0.2500");
        assert!(row("a", 0.2, None).excludes_zero());
        assert!(!row("a", 0.05, None).excludes_zero());
        let no_ci = Estimate {
            ci: None,
            ..row("a", 0.2, None)
        };
        assert!(!no_ci.excludes_zero(), "no interval, no mark");
    }
}
